"""Declarative options: a program's frozen config dataclass is its one option registry.

Each field declared with `option(...)` is one command-line option; everything else is derived:

    add_arguments(parser, ReplayConfig, env_prefix="REPLAY_")   # argparse or configargparse
    config = build(ReplayConfig, namespace, host=...)            # parsed, checked, frozen
    given_arguments(namespace, ReplayConfig)  -> ["--speed", "10", "--lifecycle", ...]
    described(config)                         -> {"speed": 10.0, ...}   (summary.json's options)
    reference(ReplayConfig)                   -> one row per option, for the docs

Values arrive as text (the command line, an environment variable, a `locust.conf` key) or as
None when not given, so the parser's defaults are all None and the field's default applies in
`build`: a forwarding program (`replay run`) can tell what the user gave. Each option's `parse`
turns its text into the field's value and raises ConfigError naming the flag; checks across
fields belong in the dataclass's `__post_init__`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from replay.errors import ConfigError

Parse = Callable[[str, str], Any]  # (text, flag) -> value; ConfigError when bad


@dataclasses.dataclass(frozen=True, kw_only=True)
class Option:
    """How one config field appears on the command line and in summary.json."""

    flag: str
    help: str
    metavar: str | None = None
    parse: Parse | None = None  # None: the text itself
    choices: tuple[str, ...] | None = None
    switch: bool = False  # store_true: given means True
    repeatable: bool = False  # may be given several times: a tuple of parsed values
    default_text: str | None = None  # the default as the help says it, when not the value
    group: str | None = None  # the --help section, when not the program's one title
    shown: bool = True  # in described() (summary.json's options)
    show: Callable[[Any], Any] | None = None  # the value as described() shows it


@dataclasses.dataclass(frozen=True)
class Spec:
    """One option of a config class: its field name, declaration and default."""

    name: str
    option: Option
    default: Any

    @property
    def env_suffix(self) -> str:
        return self.option.flag.removeprefix("--").replace("-", "_").upper()


def option(default: Any = None, *, factory: Callable[[], Any] | None = None, **declaration: Any):
    """A dataclass field that is also a command-line option (see `Option` for the keywords)."""
    metadata = {"option": Option(**declaration)}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def specs(config_class: type) -> Iterator[Spec]:
    """The options of a config dataclass, in declaration order (base classes first)."""
    for field in dataclasses.fields(config_class):
        declared = field.metadata.get("option")
        if declared is None:
            continue
        # A default_factory's value is made with each config (its help says it in words).
        default = None if field.default is dataclasses.MISSING else field.default
        yield Spec(field.name, declared, default)


def add_arguments(parser: Any, config_class: type, *, title: str | None = None,
                  env_prefix: str | None = None, skip: tuple[str, ...] = (),
                  defaults: Mapping[str, str] | None = None) -> None:
    """Add every option of `config_class` to an argparse (or configargparse) parser.

    `env_prefix` also makes each option an environment variable (`REPLAY_SPEED`) and, with
    configargparse, a config file key. `defaults` replaces a field's default for this parser
    (as text, e.g. `replay run`'s faster speed); otherwise the parser's default is None.
    """
    groups: dict[str | None, Any] = {}
    defaults = defaults or {}
    for spec in specs(config_class):
        if spec.name in skip:
            continue
        declared = spec.option
        section = declared.group or title
        if section not in groups:
            groups[section] = parser.add_argument_group(section) if section else parser
        kwargs: dict[str, Any] = {
            "dest": spec.name,
            "default": defaults.get(spec.name),
            "help": help_text(spec, defaults.get(spec.name)).replace("%", "%%"),
        }
        if declared.switch:
            kwargs["action"] = "store_true"
        else:
            kwargs["metavar"] = declared.metavar
            if declared.choices:
                kwargs["choices"] = declared.choices
            if declared.repeatable:
                kwargs["action"] = "append"
        if env_prefix is not None:
            kwargs["env_var"] = env_prefix + spec.env_suffix
        action = groups[section].add_argument(declared.flag, **kwargs)
        # The parser's default stays None (so a forwarding program sees what was given); the
        # documentation reads the default the user gets from here.
        action.shown_default = shown_default(spec, defaults.get(spec.name))
        action.plain_help = declared.help.replace("%", "%%")  # as argparse help text


def shown_default(spec: Spec, default: str | None = None) -> str | None:
    """The default as a user reads it (`30`, `the dataset's peak`), or None when there is none."""
    if default is None and spec.option.default_text is not None:
        return spec.option.default_text
    if default is None and not (spec.default is None or spec.default is False
                                or spec.default in ("", ())):  # 0 is a default worth saying
        return _plain(spec.default)
    return default


def help_text(spec: Spec, default: str | None = None) -> str:
    """The option's help with its default: `... (default 30)`."""
    if default is None and spec.option.default_text is not None:
        return f"{spec.option.help} (default: {spec.option.default_text})"
    shown = shown_default(spec, default)
    return spec.option.help if shown is None else f"{spec.option.help} (default {shown})"


def build(config_class: type, namespace: Any, **extra: Any) -> Any:
    """The config from parsed options (None or absent = not given); ConfigError when bad."""
    values: dict[str, Any] = {}
    for spec in specs(config_class):
        raw = getattr(namespace, spec.name, None)
        if raw is None or raw == "" or raw == []:
            continue
        values[spec.name] = _convert(spec, raw)
    return config_class(**values, **extra)


def given_arguments(namespace: Any, config_class: type, *, skip: tuple[str, ...] = ()
                    ) -> list[str]:
    """The options given in `namespace`, as command-line words another program can parse."""
    words: list[str] = []
    for spec in specs(config_class):
        raw = getattr(namespace, spec.name, None)
        if spec.name in skip or raw is None or raw == "" or raw == []:
            continue
        flag = spec.option.flag
        if spec.option.switch:
            words += [flag] if raw else []
        elif spec.option.repeatable:
            for item in raw:
                words += [flag, str(item)]
        else:
            words += [flag, str(raw)]
    return words


def described(config: Any) -> dict[str, Any]:
    """The shown options of a config, keyed by field name, as summary.json records them."""
    out = {}
    for spec in specs(type(config)):
        if spec.option.shown:
            value = getattr(config, spec.name)
            out[spec.name] = spec.option.show(value) if spec.option.show else value
    return out


def reference(config_class: type, *, env_prefix: str | None = None) -> list[dict[str, Any]]:
    """One row per option (flag, metavar, default, env var, help), for documentation."""
    return [
        {
            "flag": spec.option.flag,
            "metavar": None if spec.option.switch else spec.option.metavar,
            "choices": spec.option.choices,
            "default": help_text(spec).removeprefix(spec.option.help).strip(" ()")
            .removeprefix("default").removeprefix(":").strip() or None,
            "env_var": env_prefix + spec.env_suffix if env_prefix is not None else None,
            "help": spec.option.help,
        }
        for spec in specs(config_class)
    ]


def _convert(spec: Spec, raw: Any) -> Any:
    declared = spec.option
    if declared.switch:
        return bool(raw)
    if declared.repeatable:
        items = raw if isinstance(raw, list | tuple) else [raw]
        return tuple(_one(declared, item) for item in items)
    return _one(declared, raw)


def _one(declared: Option, raw: Any) -> Any:
    if declared.choices and str(raw) not in declared.choices:
        raise ConfigError(f"{declared.flag} must be one of {', '.join(declared.choices)}, "
                          f"got {raw!r}")
    return declared.parse(raw, declared.flag) if declared.parse else raw


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- value parsers: (text, flag) -> value ---------------------------------------------------


def number(low: float | None = None) -> Parse:
    """A finite float, at least `low` when given."""

    def parse(text: Any, flag: str) -> float:
        try:
            value = float(text)
        except (TypeError, ValueError):
            raise ConfigError(f"{flag} must be a number, got {text!r}") from None
        if not math.isfinite(value):
            raise ConfigError(f"{flag} must be a finite number, got {text!r}")
        if low is not None and value < low:
            raise ConfigError(f"{flag} must be at least {low:g}, got {value:g}")
        return value

    return parse


def whole(low: int | None = None) -> Parse:
    """An int, at least `low` when given."""

    def parse(text: Any, flag: str) -> int:
        try:
            value = int(str(text).strip())
        except ValueError:
            raise ConfigError(f"{flag} must be a whole number, got {text!r}") from None
        if low is not None and value < low:
            raise ConfigError(f"{flag} must be at least {low}, got {value}")
        return value

    return parse
