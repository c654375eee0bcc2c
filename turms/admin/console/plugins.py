"""Plugins: the installed plugins with their version, extension points, settings, whether they are enabled and
their state on every live worker; enable and disable them on every worker without a restart (``/plugins``).

Plugin code is never uploaded: packages are installed on the hosts and picked up by a rolling reload
(docs/plugins.md). The order in which enabled plugins are asked is the live setting ``plugins.enabled``,
changed on the settings page.
"""

from __future__ import annotations

from aiohttp import web

from turms.admin.console.app import FormError, Page, PageRoute

NAME_LIMIT = 40


async def plugins(page: Page) -> web.StreamResponse:
    found = await page.read("/plugins")
    return await page.render("plugins.html", title="Plugins", found=found)


async def switch(page: Page) -> web.StreamResponse:
    name = page.field("name", max_length=NAME_LIMIT)
    enabled = page.field("enabled")
    if enabled not in ("true", "false"):
        raise FormError("enabled must be true or false")
    outcome = await page.write("PUT", "/plugins", query={"ids": [name]}, body={"enabled": enabled == "true"})
    done = f"Plugin {name} {'enabled' if enabled == 'true' else 'disabled'} on every worker."
    return await page.finish(outcome, done, "/console/plugins")


def pages() -> list[PageRoute]:
    return [
        ("GET", "/console/plugins", plugins),
        ("POST", "/console/plugins", switch),
    ]
