"""Loading settings: defaults, then a TOML file, then ``TURMS_*`` environment variables, then CLI flags.

Each later source overrides the earlier ones. An unknown key or an invalid value is a
:class:`SettingsError` naming the full key path and where it came from.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from turms.settings.registry import REGISTRY, Registry, Setting, SettingsError

T = TypeVar("T")

#: Environment variables with these prefixes are not settings and are never rejected.
ENV_IGNORED_PREFIXES = ("TURMS_TEST_", "TURMS_CONFIG", "TURMS_BENCH_")
CONFIG_ENV_VAR = "TURMS_CONFIG"


class Settings:
    """The values of every setting, typed by the :class:`Setting` used to read them.

    Live settings may change while a worker runs (:meth:`apply_live`); readers call :meth:`get` each
    time instead of caching a value.
    """

    def __init__(self, values: Mapping[str, Any], registry: Registry = REGISTRY) -> None:
        self._registry = registry
        self._values: dict[str, Any] = {s.key: s.default for s in registry}
        self._values.update(values)
        self._sources: dict[str, str] = {}

    def get(self, s: Setting[T]) -> T:
        value: T = self._values[s.key]
        return value

    def __getitem__(self, key: str) -> Any:
        self._registry.get(key)
        return self._values[key]

    def as_dict(self, *, redact: bool = True) -> dict[str, Any]:
        return {
            s.key: ("<redacted>" if redact and s.secret and self._values[s.key] else self._values[s.key])
            for s in self._registry
        }

    def source(self, key: str) -> str:
        return self._sources.get(key, "default")

    def with_overrides(self, overrides: Mapping[str, Any], *, base_dir: str | None = None) -> Settings:
        """A copy with ``overrides`` (already typed values) applied and validated; relative paths among them are
        made absolute against ``base_dir`` (default: the current directory)."""
        copy = Settings(self._values, self._registry)
        copy._sources = dict(self._sources)
        typed = {key: self._registry.get(key).coerce(raw) for key, raw in overrides.items()}
        copy._values.update(resolve_paths(typed, self._registry, base_dir))
        for key in typed:
            copy._sources[key] = "override"
        return copy

    def apply_live(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Apply cluster-wide changes to live settings; refuse any change to a non-live one.

        Validates everything before changing anything, so a bad batch changes nothing.
        """
        typed: dict[str, Any] = {}
        for key, raw in changes.items():
            s = self._registry.get(key)
            if not s.live:
                raise SettingsError(key, "is not a live setting: change it in the configuration and reload")
            typed[key] = s.coerce(raw)
        typed = resolve_paths(typed, self._registry)
        self._values.update(typed)
        for key in typed:
            self._sources[key] = "cluster"
        return typed


def value_or_file(settings: Settings, value: Setting[str], file: Setting[str]) -> str:
    """The secret ``value`` setting, or the content of the file named by ``file`` when that is set.

    Like the JWT key files, a file setting wins over the value setting, so a systemd credential
    (``LoadCredential=``, a path in ``$CREDENTIALS_DIRECTORY``) is what the server uses even when an old value
    is still configured. Surrounding whitespace (the trailing newline) is dropped. An unreadable or empty file
    is a :class:`SettingsError` naming the file setting; the message never contains the file's content.
    """
    path = settings.get(file)
    if not path:
        return settings.get(value)
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError as e:
        raise SettingsError(file.key, f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise SettingsError(file.key, f"{path} is not UTF-8 text") from None
    if not text:
        raise SettingsError(file.key, f"{path} is empty")
    try:
        return value.coerce(text, from_text=True)
    except SettingsError:
        raise SettingsError(file.key, f"the content of {path} is not a valid `{value.key}`") from None


def resolve_paths(values: Mapping[str, Any], registry: Registry, base_dir: str | None = None) -> dict[str, Any]:
    """``values`` with every non-empty relative path setting made absolute against ``base_dir`` (default: the
    current directory). ``~`` is expanded. A bare program name (a path setting naming a binary without a
    slash, such as ``redis-server``) is left for ``PATH`` to find."""
    base = base_dir if base_dir is not None else os.getcwd()
    out = dict(values)
    for key, value in values.items():
        s = registry.get(key)
        if not s.path or not value:
            continue
        text = os.path.expanduser(str(value))
        if s.key.endswith(".binary") and os.sep not in text:
            continue
        out[key] = os.path.normpath(os.path.join(base, text))
    return out


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    flags: Iterable[tuple[str, str]] = (),
    registry: Registry = REGISTRY,
    base_dir: str | None = None,
) -> Settings:
    """Build :class:`Settings` from the defaults, ``config_file``, ``env`` and ``flags`` (key, text).

    Every path setting, the defaults' included, comes out absolute: a relative one is taken against
    ``base_dir``, by default the directory the command was started in (not the configuration file's), so a
    process that later changes directory, or a child such as redis-server that does, sees the same files.
    """
    env = os.environ if env is None else env
    if config_file is None and env.get(CONFIG_ENV_VAR):
        config_file = env[CONFIG_ENV_VAR]
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if config_file is not None:
        path = Path(config_file)
        for key, raw in _read_toml(path, registry).items():
            values[key] = registry.get(key).coerce(raw)
            sources[key] = str(path)
    by_env = registry.by_env_var()
    for name, text in env.items():
        if not name.startswith("TURMS_") or name.startswith(ENV_IGNORED_PREFIXES):
            continue
        s = by_env.get(name)
        if s is None:
            raise SettingsError(name, "unknown environment variable (no setting has this name)")
        try:
            values[s.key] = s.coerce(text, from_text=True)
        except SettingsError as e:
            raise SettingsError(s.key, f"from {name}: {e}") from None
        sources[s.key] = f"env {name}"
    for key, text in flags:
        s = registry.get(key)
        values[key] = s.coerce(text, from_text=True)
        sources[key] = "command line"
    defaults = {s.key: s.default for s in registry if s.path and s.key not in values}
    result = Settings(resolve_paths({**defaults, **values}, registry, base_dir), registry)
    result._sources = sources
    return result


def _read_toml(path: Path, registry: Registry) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError:
        raise SettingsError("", f"configuration file {path} does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise SettingsError("", f"{path}: invalid TOML: {e}") from None
    flat: dict[str, Any] = {}
    _flatten(doc, "", flat, registry, path)
    return flat


def _flatten(node: Mapping[str, Any], prefix: str, out: dict[str, Any], registry: Registry, path: Path) -> None:
    for name, value in node.items():
        key = f"{prefix}{name}"
        if key in registry:
            out[key] = value
        elif isinstance(value, dict) and registry.is_section(key):
            _flatten(value, key + ".", out, registry, path)
        else:
            raise SettingsError(key, f"unknown setting (in {path})")


def parse_flag(text: str) -> tuple[str, str]:
    """Parse a ``--set key=value`` argument."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise SettingsError("", f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value
