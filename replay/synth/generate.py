"""Synthetic transcripts that behave like a contact centre's: `generate_transcripts(...)`.

Out: a DataFrame with the dataset columns (vendorCallKey, participantId, messageId, startTime,
endTime, content, senderType; times in epoch ms), one row per utterance, calls in arrival order
and each call's utterances in spoken order. The same (calls, seed, start, hours) always gives the
same frame.

The model, per call:
- arrivals: a Poisson process whose rate follows a working day (morning peak, lunch dip,
  afternoon peak) stretched over `hours` from `start`;
- length: log-normal, median about 4 minutes, long tail, as many turns as fill it;
- 45% open with a virtual agent (greeting, the caller's answer, a hand-over), then a queue wait;
- the human agent and the caller alternate: greeting, the issue, the topic's back-and-forth
  (with an occasional hold while the agent looks something up), then a three-turn goodbye;
- 4% bring in a supervisor, 1.5% a third party (EXTERNAL_USER);
- speech at about 14 characters a second with pauses of around 0.7 s, sometimes a barge-in;
- participantId as docs/contract.md says: `{vendorCallKey}END_USER` (also VIRTUAL_AGENT,
  SUPERVISOR),
  an 18-character `005` user id per agent, a made-up id for an external party.
"""

from __future__ import annotations

import sys
from datetime import datetime

import numpy as np
import pandas as pd
from tqdm import tqdm

from replay.synth import text
from replay.synth.ids import salesforce_ids, uuids

SENDERS = ("END_USER", "HUMAN_AGENT", "VIRTUAL_AGENT", "SUPERVISOR", "EXTERNAL_USER")
CALLER, AGENT, BOT, SUPERVISOR, EXTERNAL = range(5)
# Relative call volume in each tenth of the working day (08:00-18:00 when hours=10).
DAY_SHAPE = np.array([0.45, 0.85, 1.0, 0.95, 0.7, 0.75, 0.95, 0.9, 0.7, 0.45])
CHUNK_CALLS = 2_000
_BANK_INDEX = {name: number for number, name in enumerate(text.BANKS)}
_BANK_LIST = list(text.BANKS.values())
_MIDDLE_BANKS = [
    number for name, number in _BANK_INDEX.items() if name.startswith(("agent_", "caller_"))
    and name.removeprefix("agent_").removeprefix("caller_") in text.TOPICS
]  # fmt: skip


def generate_transcripts(
    calls: int, seed: int, start: datetime, *, hours: float = 10.0, progress: bool = False
) -> pd.DataFrame:
    if calls < 1:
        raise ValueError(f"calls must be at least 1, not {calls}")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    rng = np.random.default_rng(seed)
    company = text.COMPANIES[rng.integers(len(text.COMPANIES))]
    agents = _agent_pool(rng, calls)
    arrivals = _arrivals(rng, calls, hours)
    start_ms = int(start.timestamp() * 1000)
    frames = []
    with tqdm(total=calls, unit="call", disable=not progress, file=sys.stderr) as bar:
        for first in range(0, calls, CHUNK_CALLS):
            chunk = arrivals[first : first + CHUNK_CALLS]
            frames.append(_calls(rng, chunk, start_ms, company, agents))
            bar.update(len(chunk))
    return pd.concat(frames, ignore_index=True)


def _agent_pool(rng: np.random.Generator, calls: int) -> dict[str, np.ndarray]:
    size = int(np.clip(calls // 15, 3, 2_000))
    return {
        "id": salesforce_ids(rng, size),
        "name": np.array(text.FIRST_NAMES)[rng.integers(len(text.FIRST_NAMES), size=size)],
    }


def _arrivals(rng: np.random.Generator, calls: int, hours: float) -> np.ndarray:
    """Seconds after start: N arrivals of a Poisson process with the day's rate shape."""
    segment_s = hours * 3600 / len(DAY_SHAPE)
    segment = rng.choice(len(DAY_SHAPE), size=calls, p=DAY_SHAPE / DAY_SHAPE.sum())
    return np.sort((segment + rng.random(calls)) * segment_s)


def _calls(
    rng: np.random.Generator,
    arrivals: np.ndarray,
    start_ms: int,
    company: str,
    agents: dict[str, np.ndarray],
) -> pd.DataFrame:
    n = len(arrivals)
    topic = rng.integers(len(text.TOPICS), size=n)
    target_s = np.clip(rng.lognormal(np.log(240), 0.75, n), 45, 5_400)
    bot_turns = np.where(rng.random(n) < 0.45, rng.choice([3, 5], size=n, p=[0.8, 0.2]), 0)
    human_turns = np.clip(np.round(target_s / 6.5).astype(np.int64), 7, 801) | 1  # odd: agent ends
    supervisor = (rng.random(n) < 0.04) & (human_turns >= 15)
    supervisor_at = (np.floor(human_turns * rng.uniform(0.45, 0.6, n) / 2) * 2).astype(np.int64)
    external = (rng.random(n) < 0.015) & (human_turns >= 11) & ~supervisor
    external_at = (np.floor(human_turns * rng.uniform(0.4, 0.6, n) / 2) * 2 + 1).astype(np.int64)
    agent = rng.integers(len(agents["id"]), size=n)
    keys = uuids(rng, n)

    counts = bot_turns + human_turns
    call = np.repeat(np.arange(n), counts)
    position = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    turn = position - bot_turns[call]  # turn among the human part; negative in the bot opening
    last = human_turns[call] - 1
    role, bank = _roles_and_banks(
        turn,
        position,
        last,
        text.TOPICS_ARRAY[topic[call]],
        supervisor[call],
        supervisor_at[call],
        external[call],
        external_at[call],
    )
    slots = _slots(rng, n, topic, company, agents["name"][agent])
    contents = _contents(rng, bank, call, role, slots)

    m = len(call)
    length = np.fromiter(map(len, contents), dtype=np.float64, count=m)
    rate = np.where(role == BOT, 16.0, 14.0) * rng.lognormal(0, 0.2, m)
    duration_s = np.maximum(length / rate, 0.6)
    pause_s = rng.lognormal(np.log(0.7), 0.5, m)
    pause_s = np.where((role == CALLER) & (turn > 1) & (rng.random(m) < 0.05),
                       -rng.uniform(0.1, 0.5, m), pause_s)  # fmt: skip
    hold = (role == AGENT) & (turn > 1) & (turn < last - 2) & (rng.random(m) < 0.07)
    pause_s = np.where(hold, rng.uniform(8, 45, m), pause_s)
    joins = (role == SUPERVISOR) & (turn == supervisor_at[call] + 1)
    pause_s = np.where(joins, rng.uniform(20, 90, m), pause_s)
    pause_s = np.where(position == 0, rng.uniform(0.5, 3.0, m), pause_s)
    queued = (turn == 0) & (bot_turns[call] > 0)
    pause_s = np.where(queued, rng.uniform(5, 120, m), pause_s)
    step_s = pause_s + duration_s
    before_s = np.cumsum(step_s) - step_s
    within_s = before_s - before_s[np.cumsum(counts) - counts][call]
    begin_ms = start_ms + np.round((arrivals[call] + within_s + pause_s) * 1000).astype(np.int64)
    end_ms = begin_ms + np.round(duration_s * 1000).astype(np.int64)

    key = keys[call]
    participant = np.select(
        [role == CALLER, role == AGENT, role == BOT, role == SUPERVISOR],
        [
            np.strings.add(key, "END_USER"),
            agents["id"][agent[call]],
            np.strings.add(key, "VIRTUAL_AGENT"),
            np.strings.add(key, "SUPERVISOR"),
        ],
        default=np.strings.add("ext-", np.strings.slice(key, 0, 8)),
    )
    return pd.DataFrame(
        {
            "vendorCallKey": pd.Series(key, dtype="str"),
            "participantId": pd.Series(participant, dtype="str"),
            "messageId": pd.Series(uuids(rng, m), dtype="str"),
            "startTime": begin_ms,
            "endTime": end_ms,
            "content": pd.Series(contents, dtype="str"),
            "senderType": pd.Series(np.array(SENDERS)[role], dtype="str"),
        }
    )


def _roles_and_banks(
    turn: np.ndarray,
    position: np.ndarray,
    last: np.ndarray,
    topic: np.ndarray,
    supervisor: np.ndarray,
    supervisor_at: np.ndarray,
    external: np.ndarray,
    external_at: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Who speaks each utterance, and which template bank it draws from."""
    b = _BANK_INDEX
    opening = turn < 0
    role = np.where(turn % 2 == 0, AGENT, CALLER)
    role = np.where(opening, np.where(position % 2 == 0, BOT, CALLER), role)
    middle_agent = np.array([b[f"agent_{t}"] for t in text.TOPICS])[topic]
    middle_caller = np.array([b[f"caller_{t}"] for t in text.TOPICS])[topic]
    issue = np.array([b[f"caller_issue_{t}"] for t in text.TOPICS])[topic]
    bank = np.where(role == AGENT, middle_agent, middle_caller)
    in_support = supervisor & (turn >= supervisor_at) & (turn <= supervisor_at + 3)
    step = turn - supervisor_at
    role = np.where(in_support & ((step == 1) | (step == 3)), SUPERVISOR, role)
    role = np.where(in_support & (step == 2), CALLER, role)
    role = np.where(external & (turn == external_at), EXTERNAL, role)
    rules = [
        (opening & (position == 0), b["bot_greeting"]),
        (opening & (role == BOT) & (position == 2) & (turn < -1), b["bot_retry"]),
        (opening & (role == BOT) & (position > 0), b["bot_route"]),
        (opening, b["caller_to_bot"]),
        (turn == 0, b["agent_greeting"]),
        (turn == 1, issue),
        (turn == last, b["agent_goodbye"]),
        (turn == last - 1, b["caller_thanks"]),
        (turn == last - 2, b["agent_anything_else"]),
        (in_support & (step == 0), b["agent_escalate"]),
        (role == SUPERVISOR, b["supervisor"]),
        (role == EXTERNAL, b["external"]),
    ]
    bank = np.select([rule for rule, _ in rules], [value for _, value in rules], default=bank)
    return role, bank


def _slots(
    rng: np.random.Generator, n: int, topic: np.ndarray, company: str, agent_names: np.ndarray
) -> list[dict[str, str]]:
    """The facts a call's utterances mention, fixed for the call."""
    names = text.FIRST_NAMES
    customer = rng.integers(len(names), size=n)
    supervisor = rng.integers(len(names), size=n)
    order = rng.integers(1000, 9999, size=(n, 2))
    cents = rng.lognormal(np.log(4_000), 0.8, n).astype(np.int64)
    last4 = rng.integers(0, 10_000, size=n)
    product = rng.integers(0, 4, size=n)
    plan = rng.integers(len(text.PLANS), size=n)
    org = rng.integers(len(text.ORGS), size=n)
    day = rng.integers(len(text.DAYS), size=n)
    days = rng.integers(2, 15, size=n)
    return [
        {
            "company": company,
            "customer": names[customer[i]],
            "agent": str(agent_names[i]),
            "supervisor": names[supervisor[i]],
            "order": f"{order[i, 0]}-{order[i, 1]}",
            "amount": f"${cents[i] // 100}.{cents[i] % 100:02d}",
            "last4": f"{last4[i]:04d}",
            "product": text.PRODUCTS[text.TOPICS[topic[i]]][product[i]],
            "plan": text.PLANS[plan[i]],
            "org": text.ORGS[org[i]],
            "day": text.DAYS[day[i]],
            "days": str(days[i]),
        }
        for i in range(n)
    ]


def _contents(
    rng: np.random.Generator,
    bank: np.ndarray,
    call: np.ndarray,
    role: np.ndarray,
    slots: list[dict[str, str]],
) -> list[str]:
    """Fill each utterance's template; some middle turns get a lead-in or a follow-up."""
    m = len(bank)
    pick = rng.integers(0, 1 << 30, size=m)
    speaker = np.where(role == AGENT, 0, np.where(role == CALLER, 1, -1))
    middle = np.isin(bank, _MIDDLE_BANKS) & (speaker >= 0)
    lead_in = np.where(middle & (rng.random(m) < 0.3), rng.integers(0, 1 << 30, size=m), -1)
    follow_up = np.where(middle & (rng.random(m) < 0.1), rng.integers(0, 1 << 30, size=m), -1)
    leads = (text.LEAD_INS["agent"], text.LEAD_INS["caller"])
    follows = (text.FOLLOW_UPS["agent"], text.FOLLOW_UPS["caller"])
    contents = []
    for b, p, c, who, before, after in zip(
        bank.tolist(), pick.tolist(), call.tolist(), speaker.tolist(), lead_in.tolist(),
        follow_up.tolist(), strict=True,
    ):  # fmt: skip
        templates = _BANK_LIST[b]
        line = templates[p % len(templates)]
        if before >= 0:
            line = f"{leads[who][before % len(leads[who])]} {line}"
        if after >= 0:
            line = f"{line} {follows[who][after % len(follows[who])]}"
        contents.append(line.format_map(slots[c]))
    return contents
