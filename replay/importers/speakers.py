"""Who spoke: sender types, participant ids, and the `--speakers` and `--agent-*` options.

    speakers = parse_speakers("spk_0=HUMAN_AGENT,spk_1=END_USER")   # {"spk_0": "HUMAN_AGENT"...}
    participant_id("HUMAN_AGENT", "c-1", agents)                     # the --agent-id
    participant_id("END_USER", "c-1", agents)                        # "c-1END_USER"

participantId follows what Salesforce expects: `{vendorCallKey}END_USER` (resp. VIRTUAL_AGENT,
SUPERVISOR, EXTERNAL_USER) and, for HUMAN_AGENT, the agent's Salesforce user id (`--agent-id`).
"""

from __future__ import annotations

from dataclasses import dataclass

from replay.dataset.columns import SENDER_TYPES
from replay.errors import ConfigError


@dataclass(frozen=True, kw_only=True)
class Agents:
    """How agent turns are sent: `--agent-as human` (with `--agent-id`) or `virtual`."""

    agent_id: str | None = None
    agent_as: str = "human"

    def __post_init__(self) -> None:
        if self.agent_as not in ("human", "virtual"):
            raise ConfigError(f"--agent-as must be human or virtual, not {self.agent_as!r}")
        if self.agent_id is not None and not self.agent_id.strip():
            raise ConfigError("--agent-id must not be empty; give a Salesforce user id (005...)")

    @property
    def sender_type(self) -> str:
        return "HUMAN_AGENT" if self.agent_as == "human" else "VIRTUAL_AGENT"

    def require_agent_id(self, why: str) -> None:
        """Agent turns will be HUMAN_AGENT: they need --agent-id."""
        if self.agent_id is None:
            raise ConfigError(
                f"{why}: HUMAN_AGENT messages need --agent-id (the agent's Salesforce user id, "
                "005...); or send agent turns as VIRTUAL_AGENT with --agent-as virtual"
            )


def participant_id(sender_type: str, call_key: str, agents: Agents) -> str:
    if sender_type == "HUMAN_AGENT":
        return agents.agent_id or ""
    return call_key + sender_type


def parse_speakers(text: str | None) -> dict[str, str]:
    """`"spk_0=HUMAN_AGENT,spk_1=END_USER"` -> `{"spk_0": "HUMAN_AGENT", "spk_1": "END_USER"}`."""
    speakers: dict[str, str] = {}
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        label, equals, sender = (side.strip() for side in item.rpartition("="))
        sender = sender.upper()
        if not equals or not label:
            raise ConfigError(
                f"--speakers: {item!r} is not LABEL=SENDERTYPE; write e.g. "
                "--speakers spk_0=HUMAN_AGENT,spk_1=END_USER"
            )
        if sender not in SENDER_TYPES:
            raise ConfigError(
                f"--speakers: {sender!r} (for {label}) is not a sender type; expected one of "
                f"{', '.join(SENDER_TYPES)}"
            )
        speakers[label] = sender
    return speakers
