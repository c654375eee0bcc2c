"""The declarative settings registry: every setting is declared once, here-shaped.

A :class:`Setting` names a key path (``gateway.tcp.port``), its type, a default whose unit is in the key
(``_s``, ``_ms``, ``_bytes``) or in the type, a validator, a description and whether it is a cluster-wide
*live* setting (changeable at run time through the admin API). Sections declare their settings by calling
:func:`setting` at import time; the loader, the CLI, ``conf/turms.toml`` and ``docs/configuration.md`` are
all derived from the one registry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")

#: The value types a setting may have. Lists hold strings or ints.
SCALAR_TYPES: tuple[type, ...] = (bool, int, float, str)
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class SettingsError(ValueError):
    """A configuration problem; ``key`` is the full key path it concerns (or ``""``)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key


Validator = Callable[[Any], str | None]
"""Returns ``None`` when the value is acceptable, else a sentence explaining why not."""


@dataclass(frozen=True, eq=False)
class Setting(Generic[T]):
    key: str
    value_type: type
    default: T
    description: str
    validator: Validator | None = None
    live: bool = False
    secret: bool = False
    #: For list settings: the element type.
    item_type: type | None = None
    #: For settings whose valid values are a closed set.
    choices: tuple[Any, ...] | None = None
    #: A filesystem path: a relative value is made absolute against the directory the server was started in,
    #: once, when the settings are loaded (see :func:`turms.settings.loader.load_settings`).
    path: bool = False

    @property
    def section(self) -> str:
        return self.key.rsplit(".", 1)[0]

    @property
    def env_var(self) -> str:
        return "TURMS_" + self.key.upper().replace(".", "_")

    def coerce(self, raw: Any, *, from_text: bool = False) -> T:
        """Convert ``raw`` (from TOML, or text when ``from_text``) to the setting's type and validate it."""
        value = _coerce(self, raw, from_text)
        if self.choices is not None and value not in self.choices:
            choices = ", ".join(repr(c) for c in self.choices)
            raise SettingsError(self.key, f"{value!r} is not one of {choices}")
        if self.validator is not None:
            problem = self.validator(value)
            if problem:
                raise SettingsError(self.key, problem)
        return cast(T, value)


def _coerce(s: Setting[Any], raw: Any, from_text: bool) -> Any:
    if s.value_type is list:
        item = s.item_type or str
        if from_text and isinstance(raw, str):
            raw = [part.strip() for part in raw.split(",") if part.strip()]
        if not isinstance(raw, list):
            raise SettingsError(s.key, f"expected a list, got {type(raw).__name__}")
        return [_coerce_scalar(s.key, item, v, from_text) for v in raw]
    return _coerce_scalar(s.key, s.value_type, raw, from_text)


def _coerce_scalar(key: str, typ: type, raw: Any, from_text: bool) -> Any:
    if from_text and isinstance(raw, str) and typ is not str:
        text = raw.strip()
        if typ is bool:
            lowered = text.lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise SettingsError(key, f"expected a boolean, got {raw!r}")
        try:
            return typ(text)
        except ValueError:
            raise SettingsError(key, f"expected {typ.__name__}, got {raw!r}") from None
    if typ is float and isinstance(raw, int) and not isinstance(raw, bool):
        return float(raw)
    # bool is a subclass of int: refuse True where a number is expected.
    if not isinstance(raw, typ) or (typ is not bool and isinstance(raw, bool)):
        raise SettingsError(key, f"expected {typ.__name__}, got {type(raw).__name__} {raw!r}")
    return raw


@dataclass
class Registry:
    settings: dict[str, Setting[Any]] = field(default_factory=dict)
    #: Environment variable names and section paths of the settings so far: every ``add`` checks against them
    #: in O(1) (scanning every setting on each of ~300 declarations cost ~0.2 s at each start of the command).
    _env_vars: set[str] = field(default_factory=set)
    _sections: set[str] = field(default_factory=set)

    def add(self, s: Setting[T]) -> Setting[T]:
        if not _KEY_RE.match(s.key):
            raise ValueError(f"bad setting key {s.key!r}")
        if s.key in self.settings:
            raise ValueError(f"setting {s.key!r} declared twice")
        if s.value_type not in (*SCALAR_TYPES, list):
            raise ValueError(f"{s.key}: unsupported type {s.value_type!r}")
        if s.env_var in self._env_vars:
            raise ValueError(f"{s.key}: environment variable {s.env_var} collides with another setting")
        prefixes = list(_prefixes(s.key))
        for prefix in prefixes:
            if prefix in self.settings:
                raise ValueError(f"{s.key}: {prefix} is a setting, not a section")
        if s.key in self._sections:
            raise ValueError(f"{s.key}: is a section already")
        # The default must pass the setting's own validation.
        s.coerce(s.default)
        self.settings[s.key] = s
        self._env_vars.add(s.env_var)
        self._sections.update(prefixes)
        return s

    def extended(self, extra: Iterable[Setting[Any]] = (), *, replace: Iterable[Setting[Any]] = ()) -> Registry:
        """A new registry with this one's settings, ``replace`` swapped in for the settings of the same keys (e.g.
        a validator that knows more), and ``extra`` added with the usual checks. This registry is unchanged.

        The plugin loader builds the registry of a process this way: every setting declared here, plus the
        settings each installed plugin declares (``plugins.<name>.*``)."""
        out = Registry(dict(self.settings), set(self._env_vars), set(self._sections))
        for s in replace:
            if s.key not in out.settings:
                raise ValueError(f"{s.key}: nothing to replace")
            s.coerce(s.default)
            out.settings[s.key] = s
        for s in extra:
            out.add(s)
        return out

    def __iter__(self) -> Iterator[Setting[Any]]:
        return iter(sorted(self.settings.values(), key=lambda x: x.key))

    def __contains__(self, key: object) -> bool:
        return key in self.settings

    def get(self, key: str) -> Setting[Any]:
        try:
            return self.settings[key]
        except KeyError:
            raise SettingsError(key, "unknown setting") from None

    def by_env_var(self) -> dict[str, Setting[Any]]:
        return {s.env_var: s for s in self.settings.values()}

    def is_section(self, path: str) -> bool:
        return path in self._sections


def _prefixes(key: str) -> Iterator[str]:
    parts = key.split(".")
    for i in range(1, len(parts)):
        yield ".".join(parts[:i])


REGISTRY = Registry()


def setting(
    key: str,
    typ: type[T],
    default: T,
    description: str,
    *,
    validator: Validator | None = None,
    live: bool = False,
    secret: bool = False,
    choices: tuple[Any, ...] | None = None,
    path: bool = False,
) -> Setting[T]:
    """Declare a scalar setting in the global registry."""
    if path and typ is not str:
        raise ValueError(f"{key}: a path setting is a str")
    return REGISTRY.add(
        Setting(key, typ, default, description, validator, live=live, secret=secret, choices=choices, path=path)
    )


def list_setting(
    key: str,
    item_type: type[T],
    default: list[T],
    description: str,
    *,
    validator: Validator | None = None,
    live: bool = False,
    choices: tuple[Any, ...] | None = None,
) -> Setting[list[T]]:
    """Declare a list setting (TOML array; comma-separated in the environment and on the command line)."""
    check = each_in(choices, validator) if choices is not None else validator
    return REGISTRY.add(Setting(key, list, default, description, check, live=live, item_type=item_type))


def each_in(choices: tuple[Any, ...], then: Validator | None) -> Validator:
    """A list setting's validator: every item one of ``choices``, then ``then``."""

    def check(values: Any) -> str | None:
        for v in values:
            if v not in choices:
                return f"{v!r} is not one of {', '.join(repr(c) for c in choices)}"
        return then(values) if then else None

    return check


# Common validators ---------------------------------------------------------------------------------------


def at_least(minimum: float) -> Validator:
    def check(v: Any) -> str | None:
        return None if v >= minimum else f"must be at least {minimum}, got {v}"

    return check


def between(lo: float, hi: float) -> Validator:
    def check(v: Any) -> str | None:
        return None if lo <= v <= hi else f"must be between {lo} and {hi}, got {v}"

    return check


def port(v: Any) -> str | None:
    return None if 0 <= v <= 65535 else f"must be a TCP port (0-65535; 0 picks a free one), got {v}"
