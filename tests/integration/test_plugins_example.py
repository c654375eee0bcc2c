"""A third-party plugin package (examples/plugin) installed with pip and run by real servers (2 workers): the admin
API lists it and enables or disables it on every worker without a restart; enabled, it refuses a request kind,
rewrites messages (stored and pushed as rewritten) and accepts login tokens in front of the password check; a
rolling reload (SIGHUP) picks up a newly installed plugin and then a changed version of it."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from raw_sessions import close_open_clients, connect, logged_in, login_request, on_every_worker, one_per_worker

from turms.client import TurmsClient
from turms.client.errors import ResponseError
from turms.client.group import GroupService
from turms.protocol.pb import turms_request_pb2
from turms.protocol.status import ResponseStatusCode as Code

from integration_support import (
    EXAMPLE_PLUGIN,
    ROOT_PASSWORD,
    Server,
    admin_call,
    pip_install,
    running,
    sample,
    scrape,
    serving,
)
from messaging_support import SERVER_SETTINGS, server_store

__all__ = ["close_open_clients"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

REFUSED = "create_group_request is turned off on this server"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/plugin, installed with pip into a directory of its own (as an operator would, next to the server)."""
    target = tmp_path_factory.mktemp("plugin-site")
    pip_install(EXAMPLE_PLUGIN, target)
    return target


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, site: Path) -> Iterator[Server]:
    settings = {
        **{k: v for k, v in SERVER_SETTINGS.items() if k != "gateway.auth.type"},  # the password check is on
        "admin.root.password": ROOT_PASSWORD,
        "plugins.example.rejected_kinds": "create_group_request",
        "plugins.example.masked_words": "secret",
        "plugins.example.login_tokens": "9999:open-sesame",
    }
    tmp = tmp_path_factory.mktemp("example")
    with serving(Server(tmp, workers=2, settings=settings, env={"PYTHONPATH": str(site)})) as s:
        yield s
        assert "Traceback" not in s.log(), s.log()[-4000:]


def create_group() -> turms_request_pb2.TurmsRequest:
    r = turms_request_pb2.TurmsRequest()
    r.create_group_request.name = "g"
    return r


async def plugins(server: Server) -> dict[str, Any]:
    status, reply = await admin_call(server, "GET", "/plugins")
    assert status == 200, reply
    return {p["name"]: p for p in reply["data"]}


async def test_enabled_and_disabled_from_the_admin_api_on_every_worker_without_a_restart(server: Server) -> None:
    for uid in (9101, 9102):
        status, reply = await admin_call(server, "POST", "/users", {"id": uid, "password": f"pw-{uid}"})
        assert status == 200, reply
    pids = server.worker_pids()
    example = (await plugins(server))["example"]
    assert (example["version"], example["distribution"], example["builtin"]) == ("0.1.0", "turms-example-plugin", False)
    assert example["points"] == ["authenticate", "handle_request", "on_online_status_change"]
    assert "plugins.example.rejected_kinds" in example["settings"]
    assert (example["enabled"], example["state"], example["workers"]) == (False, "disabled", [])

    clients = await one_per_worker(server)
    for client, uid in zip(clients.values(), (9101, 9102), strict=True):
        await logged_in(client, uid, f"pw-{uid}")
    await on_every_worker(clients, create_group, Code.OK)

    status, reply = await admin_call(server, "PUT", "/plugins?ids=example", {"enabled": True})
    assert status == 200 and reply["data"]["enabled"] == ["example"], reply
    for n in await on_every_worker(clients, create_group, Code.UNAUTHORIZED_REQUEST):
        assert n.reason.startswith(REFUSED)
    example = (await plugins(server))["example"]
    assert (example["enabled"], example["position"], example["state"]) == (True, 0, "running")
    assert [(w["state"], w["version"]) for w in example["workers"]] == [("running", "0.1.0")] * 2

    # Rewritten before the domain: stored and pushed masked.
    sender, recipient = clients.values()
    recipient.pushes.clear()  # the UserSession notification that followed its login
    message = turms_request_pb2.TurmsRequest()
    message.create_message_request.recipient_id = recipient.user_id
    message.create_message_request.text = "the Secret plan"
    ack = await sender.call(message)
    assert ack.code == Code.OK, ack
    push = await recipient.push()
    assert push.relayed_request.create_message_request.text == "the ****** plan"
    async with server_store(server.data_dir) as store:
        stored = await store.find_one("message", {"_id": ack.data.long})
    assert stored is not None and stored["txt"] == "the ****** plan"

    # Login tokens in front of the built-in check; other logins still go through it.
    token = await logged_in(await connect(server), 9999, "open-sesame")  # user 9999 is not in the store
    assert (await token.call(create_group())).code == Code.UNAUTHORIZED_REQUEST
    refused = await (await connect(server)).call(login_request(9999, "guess"))
    assert refused.code == Code.LOGIN_AUTHENTICATION_FAILED
    await logged_in(await connect(server), 9101, "pw-9101", device_type=2)  # beside its session on device 0
    samples = await scrape(server)
    assert sample(samples, "turms_plugin_events_total", plugin="example", event="logins") >= 2
    assert sample(samples, "turms_plugin_calls_total", plugin="example", point="handle_request", outcome="ok") >= 3

    status, reply = await admin_call(server, "PUT", "/plugins?ids=example", {"enabled": False})
    assert status == 200 and reply["data"]["enabled"] == [], reply
    await on_every_worker(clients, create_group, Code.OK)
    refused = await (await connect(server)).call(login_request(9999, "open-sesame"))
    assert refused.code == Code.LOGIN_AUTHENTICATION_FAILED
    assert (await plugins(server))["example"]["workers"] == []
    assert server.worker_pids() == pids  # no worker was restarted

    # Refusals: an unknown name (also refused as a live setting), a plugin named twice.
    status, reply = await admin_call(server, "PUT", "/plugins?ids=nope", {"enabled": True})
    assert status == 400, reply
    status, reply = await admin_call(server, "PUT", "/cluster/settings", {"plugins.enabled": ["nope"]})
    assert status == 400 and "no installed plugin is named 'nope'" in reply["reason"], reply


def changed_version(tmp: Path) -> Path:
    """examples/plugin as a version 0.2.0 whose refusal reads differently."""
    source = tmp / "plugin-0.2.0"
    shutil.copytree(EXAMPLE_PLUGIN, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    pyproject = source / "pyproject.toml"
    pyproject.write_text(re.sub(r'(?m)^version = "0.1.0"$', 'version = "0.2.0"', pyproject.read_text()))
    module = source / "turms_example_plugin" / "__init__.py"
    text = module.read_text().replace("is turned off on this server", "is turned off here (v2)")
    module.write_text(text.replace('__version__ = "0.1.0"', '__version__ = "0.2.0"'))
    return source


async def reload(server: Server, generation: int) -> None:
    before = server.worker_pids()
    server.signal(signal.SIGHUP)
    await server.wait_ready(within=30, count=generation + 1)
    deadline = time.monotonic() + 30
    while server.worker_pids() & before:
        assert time.monotonic() < deadline, "the old workers did not leave"
        await asyncio.sleep(0.05)


async def test_a_rolling_reload_picks_up_a_new_plugin_then_a_changed_one(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    config = tmp_path / "turms.toml"
    config.write_text("[plugins]\nenabled = []\n")
    settings = {**SERVER_SETTINGS, "admin.root.password": ROOT_PASSWORD}
    config_args = ("--config", str(config))
    server = Server(tmp_path, workers=2, settings=settings, extra_args=config_args, env={"PYTHONPATH": str(site)})
    with running(server):
        await server.wait_ready(within=30)
        assert "example" not in await plugins(server)
        # A client that stays logged in across both reloads (the SDK reconnects when its worker drains).
        client = TurmsClient("127.0.0.1", server.tcp_port, request_timeout_s=10, reconnect_base_delay_s=0.05)
        await client.connect()
        await client.login(4242)
        groups = GroupService(client)
        await groups.create_group("before")

        pip_install(EXAMPLE_PLUGIN, site)  # a new package, then the configuration that enables it
        config.write_text(
            '[plugins]\nenabled = ["example"]\n\n[plugins.example]\nrejected_kinds = ["create_group_request"]\n'
        )
        await reload(server, 1)
        example = (await plugins(server))["example"]
        assert [(w["state"], w["version"]) for w in example["workers"]] == [("running", "0.1.0")] * 2
        await client.wait_connected(10)
        with pytest.raises(ResponseError) as refused:
            await groups.create_group("refused")
        assert refused.value.code == Code.UNAUTHORIZED_REQUEST and REFUSED in (refused.value.reason or "")

        pip_install(changed_version(tmp_path), site, upgrade=True)  # the same plugin, changed on disk
        await reload(server, 2)
        example = (await plugins(server))["example"]
        assert example["version"] == "0.2.0"
        assert [(w["state"], w["version"]) for w in example["workers"]] == [("running", "0.2.0")] * 2
        await client.wait_connected(10)
        with pytest.raises(ResponseError) as refused:
            await groups.create_group("refused again")
        assert "is turned off here (v2)" in (refused.value.reason or "")
        await client.close()
        assert server.notify.count("RELOADING=1") == 2
        assert "Traceback" not in server.log(), server.log()[-4000:]
