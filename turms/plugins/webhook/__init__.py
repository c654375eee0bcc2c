"""The in-box ``webhook`` plugin: offline pushes and events, POSTed to the operator's HTTP endpoint.

For every stored message with recipients who are offline, it POSTs one signed JSON call (``offline_push``) that
the operator's push service turns into APNs/FCM notifications; optionally also session online/offline changes
(``online_status``) and admin API writes (``admin_action``). Calls are signed with HMAC-SHA256, carry a timestamp
and an idempotency key, are retried with backoff, and wait in a bounded queue that drops the oldest call when full:
message delivery never waits for the endpoint. Enable it with ``plugins.enabled = ["webhook"]`` and set
``plugins.webhook.url`` and ``plugins.webhook.secret`` (or ``secret_file``); docs/plugins.md has the payloads.

Uses only the public plugin API (:mod:`turms.plugins.api`), aiohttp and orjson, as a third-party plugin would.
"""

from __future__ import annotations

from turms.plugins.api import PluginSetting, PluginSpec, at_least, between, http_url
from turms.plugins.webhook.plugin import EVENTS, Webhook

SETTINGS = (
    PluginSetting("url", str, "", "The endpoint every call is POSTed to (http:// or https://).", validator=http_url),
    PluginSetting(
        "secret",
        str,
        "",
        "The HMAC-SHA256 key the calls are signed with (`X-Turms-Signature`); required unless `secret_file` is set.",
        secret=True,
    ),
    PluginSetting(
        "secret_file",
        str,
        "",
        "A file holding the signing key (e.g. a systemd credential); wins over `secret`.",
        path=True,
    ),
    PluginSetting(
        "events",
        list,
        ["offline_push"],
        "What is sent: `offline_push` (a stored message's offline recipients), `online_status` (sessions logging "
        "in and out, status changes), `admin_action` (admin API writes).",
        item_type=str,
        choices=EVENTS,
    ),
    PluginSetting(
        "include_text",
        bool,
        False,
        "Put the message text in `offline_push` calls (for notification previews); off, only ids and counts.",
    ),
    PluginSetting(
        "timeout_s", float, 5.0, "Time one POST may take before it counts as failed.", validator=between(0.1, 300)
    ),
    PluginSetting(
        "max_attempts",
        int,
        8,
        "Attempts per call (the first included) before it is given up; failures, timeouts, 408, 425, 429 and 5xx "
        "are retried, other 4xx are not.",
        validator=between(1, 100),
    ),
    PluginSetting(
        "backoff_initial_ms",
        int,
        500,
        "Wait after the first failed attempt; doubled after each further one, with jitter.",
        validator=between(1, 600_000),
    ),
    PluginSetting(
        "backoff_max_ms",
        int,
        60_000,
        "Longest wait between two attempts (a receiver's `Retry-After` included).",
        validator=between(1, 3_600_000),
    ),
    PluginSetting(
        "queue_size",
        int,
        10_000,
        "Calls a worker holds at most; when full, the oldest waiting call is dropped (counted as "
        '`turms_plugin_events_total{plugin="webhook",event="dropped_queue_full"}`).',
        validator=between(1, 10_000_000),
    ),
    PluginSetting("concurrency", int, 4, "Calls a worker sends at the same time.", validator=between(1, 256)),
    PluginSetting(
        "drain_timeout_s",
        float,
        5.0,
        "When the plugin stops (disabled, or the worker drains), how long queued calls may still be delivered; "
        "keep it below `plugins.budget.lifecycle_ms`.",
        validator=at_least(0),
    ),
)

PLUGIN = PluginSpec(
    name="webhook",
    plugin=Webhook,
    description="Offline pushes and events as signed JSON POSTs to an HTTP endpoint.",
    settings=SETTINGS,
)
