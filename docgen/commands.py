"""Reference pages of what a user can type: every `replay` sub-command and every Locust option.

    render_commands() -> str        # from replay.cli.build_parser(): new sub-commands appear
    render_locust_options() -> str  # from the options the locustfile registers on Locust

Both read the argparse definitions themselves, so flags, defaults, choices and help cannot
drift from the code.
"""

from __future__ import annotations

import argparse
from typing import Any

from docgen.markdown import cell, code, table


def locust_options() -> list[argparse.Action]:
    """The replay's Locust options, registered the way Locust registers them (one seam)."""
    import configargparse

    from replay.driver.options import add_options

    parser = configargparse.ArgumentParser(add_help=False)
    add_options(parser)
    return [action for action in parser._actions if action.option_strings]


def subcommands(
    parser: argparse.ArgumentParser | None = None,
) -> dict[str, argparse.ArgumentParser]:
    """Every `replay` sub-command's parser, by name, in the CLI's order."""
    if parser is None:
        from replay.cli import build_parser

        parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def render_commands() -> str:
    """The page: `replay`'s global options, then one section per sub-command."""
    from replay.cli import build_parser

    top = build_parser()
    commands = subcommands(top)
    parts = [
        "# Command reference: `replay`",
        "",
        "Generated from the command line's own definitions when this site was built: every "
        "sub-command, every flag, its default and its help, exactly as `replay COMMAND --help` "
        "knows them. The guides explain when to use which.",
        "",
        "Sub-commands: " + ", ".join(f"[`{name}`](#replay-{name})" for name in commands) + ".",
        "",
        "## `replay`",
        "",
        _usage(top),
        "",
        _options_table([a for a in top._actions if a.option_strings and a.dest != "help"]),
    ]
    for name, parser in commands.items():
        parts += ["", f"## `replay {name}`", ""]
        if parser.description:
            parts += [cell(parser.description), ""]
        parts += [_usage(parser), ""]
        for group in parser._action_groups:
            actions = [a for a in group._group_actions if a.dest != "help"]
            if not actions:
                continue
            parts += [f"**{cell(_group_title(group.title))}**", "", _options_table(actions), ""]
    return "\n".join(parts).rstrip() + "\n"


def render_locust_options() -> str:
    """The page: every option the locustfile adds to Locust, with its environment variable."""
    rows = []
    for action in locust_options():
        env_var = getattr(action, "env_var", None)
        rows.append((code(_flag_text(action)), _default(action),
                     code(env_var) if env_var else "", cell(_help(action))))
    return "\n".join([
        "# Locust options of the replay",
        "",
        "Generated from the options the locustfile registers with Locust when this site was "
        "built. Use them with `locust -f locustfile.py ...`; every one is also an option of "
        "`replay run` with the same name (except `--dataset` and `--mock-admin`, which it "
        "sets itself), an environment variable, and a `locust.conf` key without the leading "
        "dashes (`speed = 10`). Locust's own options (`--host`, `--headless`, `--processes`, "
        "...) work as Locust documents them.",
        "",
        table(("option", "default", "environment variable", "meaning"), rows),
        "",
    ])


def _usage(parser: argparse.ArgumentParser) -> str:
    usage = parser.format_usage().removeprefix("usage: ").strip()
    return "```text\n" + usage + "\n```"


def _group_title(title: str | None) -> str:
    return {"positional arguments": "Arguments", "options": "Options"}.get(title or "", title or "")


def _options_table(actions: list[argparse.Action]) -> str:
    rows = [(code(_flag_text(a)), _default(a), cell(_help(a))) for a in actions]
    return table(("argument", "default", "meaning"), rows)


def _flag_text(action: argparse.Action) -> str:
    names = ", ".join(action.option_strings) or (action.metavar or action.dest)
    if action.option_strings and action.nargs != 0:
        metavar = action.metavar or action.dest.upper()
        if action.choices and not action.metavar:
            metavar = "{" + ",".join(map(str, action.choices)) + "}"
        names += f" {metavar}"
    return names


def stated_default(action: argparse.Action) -> str | None:
    """An option's default as a user reads it, or None when it has none.

    Options declared in the registry (replay.options) carry it as `shown_default` (their
    argparse default is None, so a forwarding program can tell what was given); the others
    have argparse's default.
    """
    if action.nargs == 0 or action.default is argparse.SUPPRESS:
        return None
    if getattr(action, "shown_default", None) is not None:
        return str(action.shown_default)
    if action.default not in (None, "", [], ()):
        return _plain(action.default)
    return None


def _default(action: argparse.Action) -> str:
    if not action.option_strings:
        return "(required)" if action.nargs not in ("?", "*") else ""
    if action.nargs == 0:
        if action.default is argparse.SUPPRESS:  # --version, --help
            return ""
        return "off" if action.default in (False, None) else cell(action.default)
    if action.required:
        return "(required)"
    default = stated_default(action)
    if default is None:
        return "none"
    return cell(default) if " " in default else code(default)


def _plain(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(map(str, value))
    return str(value)


def _help(action: argparse.Action) -> str:
    """The help text as argparse prints it (%(default)s and %% expanded)."""
    text = getattr(action, "plain_help", None) or action.help or ""
    if "%" not in text:
        return text + _choices(action, text)
    params = {key: value for key, value in vars(action).items() if value is not argparse.SUPPRESS}
    if params.get("choices") is not None:
        params["choices"] = ", ".join(map(str, params["choices"]))
    return text % params + _choices(action, text)


def _choices(action: argparse.Action, text: str) -> str:
    if not action.choices or action.metavar is None:
        return ""
    listed = all(str(choice) in text for choice in action.choices)
    return "" if listed else f" (one of {', '.join(map(str, action.choices))})"
