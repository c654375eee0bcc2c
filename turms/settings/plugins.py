"""Settings of the plugin machinery (``turms/plugins/``): which plugins run, in what order, and the time budget of
each extension point.

A plugin's own settings are declared by the plugin (``PluginSpec.settings``) and live under
``plugins.<plugin name>.``; the plugin loader adds them to the registry it builds, so they are validated, shown
by ``turms config show`` and documented like these (see docs/plugins.md).
"""

from __future__ import annotations

import re
from typing import Any

from turms.settings.registry import between, list_setting, setting

#: What a plugin name looks like: it is a settings section (``plugins.<name>.*``) and an entry-point name.
PLUGIN_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _plugin_names(names: Any) -> str | None:
    seen: set[str] = set()
    for name in names:
        if not PLUGIN_NAME_RE.match(name):
            return f"{name!r} is not a plugin name (lower-case letters, digits and _, starting with a letter)"
        if name in seen:
            return f"{name!r} is listed twice"
        seen.add(name)
    return None


ENABLED = list_setting(
    "plugins.enabled",
    str,
    [],
    "The plugins that run, by name, in the order their extension points are called (first listed, first "
    "asked). A name must be an installed plugin (`GET /plugins` lists them). Changing it enables or "
    "disables plugins on every worker without a restart (`PUT /plugins` does it one plugin at a time).",
    validator=_plugin_names,
    live=True,
)

AUTHENTICATE_BUDGET_MS = setting(
    "plugins.budget.authenticate_ms",
    int,
    2000,
    "Time one `authenticate` call may take. A plugin that fails or overruns refuses the login "
    "(SERVER_UNAVAILABLE, 1201): authentication fails closed.",
    validator=between(1, 60_000),
    live=True,
)
REQUEST_BUDGET_MS = setting(
    "plugins.budget.handle_request_ms",
    int,
    200,
    "Time one `handle_request` call may take before the request goes on without that plugin (or is refused "
    "with SERVER_UNAVAILABLE when the plugin declares `fail_closed`).",
    validator=between(1, 60_000),
    live=True,
)
NOTIFICATION_BUDGET_MS = setting(
    "plugins.budget.handle_notification_ms",
    int,
    50,
    "Time one `handle_notification` call may take before the push goes out as it was.",
    validator=between(1, 60_000),
    live=True,
)
CONTENT_BUDGET_MS = setting(
    "plugins.budget.check_message_ms",
    int,
    500,
    "Time one `check_message` call may take. A plugin that fails or overruns refuses the message "
    "(SERVER_UNAVAILABLE, 1201): content checks fail closed.",
    validator=between(1, 60_000),
    live=True,
)
EVENT_BUDGET_MS = setting(
    "plugins.budget.event_ms",
    int,
    1000,
    "Time one call of an event point (`on_offline_recipients`, `on_online_status_change`, `on_admin_action`) "
    "may take. Events are delivered off the request path, so a slow handler never delays the request.",
    validator=between(1, 60_000),
    live=True,
)
CONFERENCE_BUDGET_MS = setting(
    "plugins.budget.conference_ms",
    int,
    10_000,
    "Time one call of the conference provider (`create_room`, `room_exists`, `delete_room`, `grant`) may take. "
    "A call that fails or overruns makes the meeting request answer SERVER_UNAVAILABLE (1201) after what it "
    "changed is undone; keep it above the provider's own timeout (`plugins.livekit.request_timeout_s`).",
    validator=between(1, 120_000),
    live=True,
)
LIFECYCLE_BUDGET_MS = setting(
    "plugins.budget.lifecycle_ms",
    int,
    10_000,
    "Time a plugin's `start` or `stop` may take (a plugin that flushes a queue in `stop` uses it).",
    validator=between(1, 120_000),
    live=True,
)
MAX_PENDING_EVENTS = setting(
    "plugins.max_pending_events",
    int,
    10_000,
    "Events (offline recipients, online-status changes, admin actions) a worker holds for its plugins at "
    'most; beyond it new events are dropped and counted (`turms_plugin_calls_total{outcome="dropped"}`).',
    validator=between(1, 10_000_000),
    live=True,
)
