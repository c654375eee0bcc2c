"""Settings of the health listener: ``GET /health`` alone, on a port of its own, for load balancers."""

from __future__ import annotations

from turms.settings.registry import port, setting

HTTP_ENABLED = setting(
    "health.http.enabled",
    bool,
    False,
    "Serve `GET /health` (200 when this worker is ready, else 503 with the problems) on a listener of its "
    "own, so that a load balancer can check the host without reaching the admin API. The admin listener "
    "answers `/health` too.",
)
HTTP_HOST = setting(
    "health.http.host",
    str,
    "0.0.0.0",
    "Address the health listener binds (when `health.http.enabled`). It answers nothing but `/health`; "
    "restrict who reaches it with the firewall (the Terraform module allows the VPC only).",
)
HTTP_PORT = setting("health.http.port", int, 8511, "Port of the health listener.", validator=port)
