"""Running plugins in-process, for their tests: a plugin's context with chosen settings, or whole hooks.

A plugin author unit-tests the class with :func:`context`::

    from turms.plugins.testing import context
    plugin = MyPlugin(context(PLUGIN, {"rejected_kinds": ["create_group_request"]}))

and its combination with the server's rules (budgets, chains, fail-closed points) with :func:`running`, which
starts the given plugins as a worker would and yields the :class:`~turms.plugins.hooks.Hooks` the call sites use.
Settings are given by relative key per plugin, as in the ``[plugins.<name>]`` section of the configuration.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from turms.plugins.api import PluginSpec
from turms.plugins.hooks import Hooks
from turms.plugins.host import Context, PluginHost
from turms.plugins.loader import Catalog, catalog_of
from turms.settings import Settings, load_settings
from turms.settings import plugins as plugin_settings


def settings_for(catalog: Catalog, values: Mapping[str, Any] | None = None) -> Settings:
    """Default settings with the catalog's plugins' settings, then ``values`` (full keys) applied."""
    loaded = load_settings(None, env={}, registry=catalog.registry())
    return loaded.with_overrides(dict(values or {}))


def context(spec: PluginSpec, settings: Mapping[str, Any] | None = None, *, instance_id: str = "test") -> Context:
    """The context a worker would construct ``spec.plugin`` with, ``settings`` given by relative key."""
    catalog = catalog_of(spec)
    if spec.name not in catalog.plugins:
        raise ValueError(f"the spec cannot be used: {catalog.broken[spec.name].error}")
    values = {f"plugins.{spec.name}.{k}": v for k, v in (settings or {}).items()}
    return Context(catalog.plugins[spec.name], settings_for(catalog, values), instance_id)


@asynccontextmanager
async def running(
    *specs: PluginSpec, settings: Mapping[str, Any] | None = None, instance_id: str = "test"
) -> AsyncIterator[tuple[Hooks, PluginHost]]:
    """Start ``specs`` (all enabled, in this order) with ``settings`` (full keys, e.g. ``plugins.budget.*``) and
    yield the hooks and the host; stop them at the end."""
    catalog = catalog_of(*specs)
    broken = {name: b.error for name, b in catalog.broken.items()}
    if broken:
        raise ValueError(f"specs that cannot be used: {broken}")
    values = {plugin_settings.ENABLED.key: [s.name for s in specs], **(settings or {})}
    hooks = Hooks()
    host = PluginHost(settings_for(catalog, values), catalog, hooks, instance_id=instance_id)
    await host.start()
    try:
        yield hooks, host
    finally:
        await host.stop()
