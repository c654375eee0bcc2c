"""Finding plugins: the in-box ones, and installed packages' ``turms.plugins`` entry points.

:func:`discover` returns a :class:`Catalog`: every plugin that loaded (its spec, version, distribution, the
extension points it implements and its settings) and every one that did not (with the reason). The catalog's
:meth:`~Catalog.registry` is the settings registry of the process: every core setting, each plugin's settings
under ``plugins.<name>.``, and ``plugins.enabled`` checked against the plugins that loaded. :func:`load_settings`
reads the configuration with it.

The supervisor discovers plugins when it starts and again on every rolling reload (SIGHUP). It only reads the
specs (plugin code runs in the workers, which it forks afterwards, so a worker runs the code its generation was
discovered with). To pick up a changed package, a reload first forgets the modules of the third-party plugins it
had imported (their top-level package) and clears the import caches, so the new generation imports the files
now on disk. The previous catalog keeps references to the old classes: a reload that fails keeps running them.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import turms
from turms.plugins.api import PluginSetting, PluginSpec
from turms.plugins.points import POINTS, ExtensionPoint, implemented, problems
from turms.settings import REGISTRY, Setting, Settings, SettingsError
from turms.settings import load_settings as _load_settings
from turms.settings import plugins as plugin_settings
from turms.settings.registry import Registry, Validator, each_in

log = logging.getLogger("turms.plugins")

#: The entry-point group installed packages declare their plugins in.
ENTRY_POINT_GROUP = "turms.plugins"
#: The in-box plugins (always found, whatever is installed).
BUILTIN: tuple[str, ...] = ("turms.plugins.webhook:PLUGIN", "turms.plugins.livekit:PLUGIN")
#: Names under ``plugins.`` that the machinery's own settings use.
RESERVED_NAMES = frozenset({"enabled", "budget", "max_pending_events"})
_RELATIVE_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


@dataclass(frozen=True)
class Installed:
    """A plugin that loaded: what the loader learnt about it."""

    spec: PluginSpec
    version: str
    distribution: str
    builtin: bool
    points: tuple[ExtensionPoint, ...]
    #: Its settings by relative key (``"url"`` for ``plugins.webhook.url``).
    settings: Mapping[str, Setting[Any]]
    #: The top-level package to forget before a reload re-imports it (None for in-box plugins).
    package: str | None = None

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class Broken:
    """A declared plugin that cannot be used (its import failed, its spec is wrong …)."""

    name: str
    distribution: str
    version: str
    error: str
    package: str | None = None


@dataclass
class Catalog:
    plugins: dict[str, Installed] = field(default_factory=dict)
    broken: dict[str, Broken] = field(default_factory=dict)

    def get(self, name: str) -> Installed | None:
        return self.plugins.get(name)

    def names(self) -> list[str]:
        return sorted(self.plugins)

    def registry(self, base: Registry = REGISTRY) -> Registry:
        """``base`` with every plugin's settings, and ``plugins.enabled`` accepting only plugins that loaded."""
        extra = [s for p in self.plugins.values() for s in p.settings.values()]
        core = plugin_settings.ENABLED
        enabled = Setting(
            core.key,
            list,
            core.default,
            core.description,
            _enabled_validator(self, core.validator),
            live=core.live,
            item_type=core.item_type,
        )
        return base.extended(extra, replace=[enabled])


def _enabled_validator(catalog: Catalog, syntax: Validator | None) -> Validator:
    def check(names: Any) -> str | None:
        problem = syntax(names) if syntax is not None else None
        if problem:
            return problem
        for name in names:
            if name in catalog.plugins:
                continue
            broken = catalog.broken.get(name)
            if broken is not None:
                return f"the plugin {name!r} cannot be loaded: {broken.error}"
            known = ", ".join(catalog.names()) or "none"
            return f"no installed plugin is named {name!r} (installed: {known})"
        return None

    return check


def discover(*, installed: bool = True, previous: Catalog | None = None) -> Catalog:
    """The in-box plugins and (with ``installed``) every ``turms.plugins`` entry point of the installed packages.

    With ``previous`` (a rolling reload), the third-party modules that catalog imported are forgotten first, so
    changed files on disk are imported anew."""
    if previous is not None:
        forget(previous)
    importlib.invalidate_caches()
    catalog = Catalog()
    for ref in BUILTIN:
        _add(catalog, ref, distribution="turms-server", version=turms.__version__, builtin=True, package=None)
    if installed:
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if ep.value in BUILTIN:
                continue  # this package's own declaration of an in-box plugin
            dist = ep.dist
            dist_name = str(dist.metadata["Name"]) if dist is not None else "unknown"
            version = dist.version if dist is not None else "unknown"
            package = ep.value.split(":", 1)[0].split(".", 1)[0]
            _add(
                catalog, ep.value, distribution=dist_name, version=version, builtin=False, package=package, name=ep.name
            )
    for name, broken in sorted(catalog.broken.items()):
        log.warning("plugin %s (%s %s) cannot be used: %s", name, broken.distribution, broken.version, broken.error)
    return catalog


def forget(catalog: Catalog) -> None:
    """Drop the modules of the catalog's third-party plugins from ``sys.modules`` (never this package's)."""
    declared: list[Installed | Broken] = [*catalog.plugins.values(), *catalog.broken.values()]
    packages = {p.package for p in declared if p.package}
    packages.discard("turms")
    for name in [m for m in sys.modules if m.split(".", 1)[0] in packages]:
        del sys.modules[name]


def _add(
    catalog: Catalog,
    ref: str,
    *,
    distribution: str,
    version: str,
    builtin: bool,
    package: str | None,
    name: str | None = None,
) -> None:
    """Import the spec ``ref`` (``module:attribute``) names and add it (or why it cannot be used)."""
    try:
        spec = _resolve(ref)
    except Exception as e:
        _broken(
            catalog, name or ref, distribution, version, package, f"importing {ref} failed: {type(e).__name__}: {e}"
        )
        return
    if not isinstance(spec, PluginSpec):
        reason = f"{ref} is a {type(spec).__name__}, not a turms.plugins.api.PluginSpec"
        _broken(catalog, name or ref, distribution, version, package, reason)
        return
    add_spec(catalog, spec, distribution=distribution, version=version, builtin=builtin, package=package, name=name)


def _broken(catalog: Catalog, name: str, distribution: str, version: str, package: str | None, reason: str) -> None:
    if name in catalog.plugins:  # a second declaration of a name that loaded: neither may run
        catalog.plugins.pop(name)
        reason = f"declared twice ({reason})"
    catalog.broken[name] = Broken(name, distribution, version, reason, package)


def add_spec(
    catalog: Catalog,
    spec: PluginSpec,
    *,
    distribution: str,
    version: str,
    builtin: bool = False,
    package: str | None = None,
    name: str | None = None,
) -> None:
    """Check ``spec`` and add it to ``catalog`` as a plugin, or as a broken one with the reason."""
    name = name or spec.name

    def broken(reason: str) -> None:
        _broken(catalog, name, distribution, version, package, reason)

    if spec.name != name:
        broken(f"the entry point is named {name!r} but its spec {spec.name!r}")
        return
    if not plugin_settings.PLUGIN_NAME_RE.match(name) or name in RESERVED_NAMES:
        broken(f"{name!r} is not a usable plugin name")
        return
    other = catalog.plugins.get(name) or catalog.broken.get(name)
    if other is not None:
        broken(f"by {other.distribution} and {distribution}")
        return
    plugin_class: Any = spec.plugin  # declared a type; a third-party spec may still hold anything
    if not isinstance(plugin_class, type):
        broken(f"PluginSpec.plugin must be a class, not {type(plugin_class).__name__}")
        return
    reasons = problems(plugin_class)
    if reasons:
        broken("; ".join(reasons))
        return
    try:
        settings = {ps.key: plugin_setting(name, ps) for ps in spec.settings}
        REGISTRY.extended(settings.values())  # the same checks the process registry will make
    except (ValueError, SettingsError) as e:
        broken(f"bad setting declaration: {e}")
        return
    if len(settings) != len(spec.settings):
        broken("a setting is declared twice")
        return
    catalog.plugins[name] = Installed(
        spec=spec,
        version=spec.version or version,
        distribution=distribution,
        builtin=builtin,
        points=implemented(plugin_class, POINTS),
        settings=settings,
        package=package,
    )


def catalog_of(*specs: PluginSpec, distribution: str = "local", version: str = "0") -> Catalog:
    """A catalog of these specs, checked as discovered ones are (tests, and tools that run plugins in-process)."""
    catalog = Catalog()
    for spec in specs:
        add_spec(catalog, spec, distribution=distribution, version=version)
    return catalog


def _resolve(ref: str) -> Any:
    module_name, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


def plugin_setting(plugin: str, ps: PluginSetting) -> Setting[Any]:
    """The registry setting ``plugins.<plugin>.<key>`` for a plugin's declaration."""
    if not _RELATIVE_KEY.match(ps.key):
        raise ValueError(f"{ps.key!r} is not a setting key (lower-case words joined by dots)")
    if ps.path and ps.value_type is not str:
        raise ValueError(f"{ps.key}: a path setting is a str")
    validator = ps.validator
    choices = ps.choices
    if ps.value_type is list and choices is not None:
        validator, choices = each_in(choices, validator), None
    return Setting(
        f"plugins.{plugin}.{ps.key}",
        ps.value_type,
        ps.default,
        ps.description,
        validator,
        live=ps.live,
        secret=ps.secret,
        item_type=ps.item_type if ps.value_type is list else None,
        choices=choices,
        path=ps.path,
    )


def load_settings(
    config_file: str | os.PathLike[str] | None,
    *,
    catalog: Catalog,
    flags: Iterable[tuple[str, str]] = (),
    env: Mapping[str, str] | None = None,
    base_dir: str | None = None,
) -> Settings:
    """The configuration read with the catalog's registry (its plugins' settings known and validated)."""
    return _load_settings(config_file, env=env, flags=flags, registry=catalog.registry(), base_dir=base_dir)


_CURRENT: list[Catalog] = []


def current() -> Catalog:
    """A catalog for a process that was handed none (a worker run in-process by tests): discovered once."""
    if not _CURRENT:
        _CURRENT.append(discover())
    return _CURRENT[0]
