"""Plugins: the extension points (typed protocols), their loader, and the budget guard that calls them.

An installed package declares a plugin in the ``turms.plugins`` entry-point group; the operator lists the plugins
that run in ``plugins.enabled``. Each extension point is a small protocol in :mod:`turms.plugins.api` (the only
module a plugin imports), called at the moment Turms calls its counterpart, under a per-call time budget:

* :mod:`.api` the public surface: the points' protocols, the values they receive and return, ``PluginSpec``;
* :mod:`.points` the table of points (method, how it is called, how it fails, its budget setting);
* :mod:`.loader` entry-point discovery, the plugins' settings in the registry, re-import on a rolling reload;
* :mod:`.guard` one guarded call: budget, metrics, rate-limited logging;
* :mod:`.hooks` what call sites use (cheap when no plugin is enabled);
* :mod:`.host` one worker's running plugins: start, stop, live enable and disable;
* in-box plugins, as subpackages that use only :mod:`.api`: :mod:`.webhook` (offline pushes and events over
  HTTP) and :mod:`.livekit` (the conference provider: meeting rooms on a LiveKit server).

May import: the standard library, ``turms.protocol``, ``turms.settings``, ``turms.errors``, ``turms.clock`` and
``turms.observability`` (in-box plugins: only ``turms.plugins.api``, plus their own libraries). Never the gateway,
the services, the cluster, the store, the admin API or the worker: those call in, through :mod:`.hooks`. This
package itself imports nothing, so importing :mod:`.hooks` from the services stays cheap.
"""
