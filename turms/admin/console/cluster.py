"""Cluster settings: every setting with its description, type, default and current value, which ones differ
from their defaults and where their values come from; live settings edited in place (``/cluster/settings``,
``/cluster/settings/metadata``, ``/cluster/members``).

An edit is one ``PUT /cluster/settings`` of one key: the registry validates it (a refusal shows its reason and
changes nothing), the answering worker applies it and announces it, and every worker of every host applies it;
the page shows how many workers already run the cluster's settings version.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from turms.admin.console.app import FormError, Page, PageRoute

SHOW = ("all", "live", "changed")
_INT = re.compile(r"^-?[0-9]+$")


def _typed(text: str, kind: str) -> Any:
    """The form's text as the JSON value of a setting of type ``kind``; what does not parse is passed on as
    text, for the registry to refuse with its own reason."""
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if kind == "integer" and _INT.match(text):
        return int(text)
    if kind == "number":
        try:
            return int(text) if _INT.match(text) else float(text)
        except ValueError:
            return text
    return text


def _value(text: str, meta: dict[str, Any]) -> Any:
    if meta["type"] == "array":
        return [_typed(part.strip(), meta.get("itemType", "string")) for part in text.split(",") if part.strip()]
    return _typed(text, meta["type"])


def _rows(current: Any, metadata: Any) -> list[dict[str, Any]]:
    values, sources = current["settings"], current.get("sources", {})
    rows = []
    for key, meta in sorted(metadata.items()):
        value = values.get(key)
        source = sources.get(key, "default")
        rows.append(
            {
                "key": key,
                "value": value,
                "source": source,
                "changed": not meta.get("secret") and source != "default" and value != meta["default"],
                **meta,
            }
        )
    return rows


async def settings(page: Page) -> web.StreamResponse:
    text = page.field("q", required=False, max_length=200).lower()
    show = page.field("show", required=False) or "all"
    if show not in SHOW:
        show = "all"
    current = await page.read("/cluster/settings")
    metadata = await page.read("/cluster/settings/metadata")
    members = await page.read("/cluster/members")
    rows: list[dict[str, Any]] = []
    if current.ok and metadata.ok:
        rows = _rows(current.data, metadata.data)
    changed = sum(1 for r in rows if r["changed"])
    if text:
        rows = [r for r in rows if text in r["key"].lower() or text in r["description"].lower()]
    if show == "live":
        rows = [r for r in rows if r["live"]]
    elif show == "changed":
        rows = [r for r in rows if r["changed"]]
    version = current.data["version"] if current.ok else None
    workers = members.data["workers"] if members.ok else []
    return await page.render(
        "settings.html",
        title="Settings",
        current=current,
        metadata=metadata,
        rows=rows,
        changed=changed,
        q=text,
        show=show,
        shows=SHOW,
        version=version,
        workers=workers,
        applied=sum(1 for w in workers if w.get("settingsVersion") == version),
        here="/console/settings?" + urlencode({"q": text, "show": show}),
    )


async def update(page: Page) -> web.StreamResponse:
    key = page.field("key", max_length=200)
    text = page.field("value", required=False, max_length=65536)
    back = "/console/settings?" + urlencode({"q": page.field("q", required=False, max_length=200), "show": "all"})
    metadata = await page.read("/cluster/settings/metadata")
    if not metadata.ok:
        return await page.refused(metadata.status, metadata.message, back)
    meta = metadata.data.get(key)
    if meta is None:
        raise FormError(f"there is no setting {key[:200]!r}")
    outcome = await page.write("PUT", "/cluster/settings", body={key: _value(text, meta)})
    if outcome.ok:
        applied = outcome.data["applied"].get(key)
        done = f"{key} = {applied!r} (cluster settings version {outcome.data['version']}); every worker applies it."
        return await page.finish(outcome, done, back)
    return await page.finish(outcome, "", back)


def pages() -> list[PageRoute]:
    return [
        ("GET", "/console/settings", settings),
        ("POST", "/console/settings", update),
    ]
