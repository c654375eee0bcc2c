"""The process model on real processes (loopback only): workers, supervision, drain, reload, embedded Redis,
sd_notify, connection hygiene. Each test starts ``turms serve`` as a subprocess and always kills its tree."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import time
from pathlib import Path

import aiohttp
import psutil
import pytest

from integration_support import (
    Server,
    TcpClient,
    parse_notification,
    request_bytes,
    running,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

PID_RE = re.compile(r"\[worker (\d+)\]")
SERVER_CLOSED = 201


def _worker_pid(reason: str) -> int:
    m = PID_RE.search(reason)
    assert m, f"no worker pid in reason {reason!r}"
    return int(m.group(1))


async def _tcp_pid(port: int) -> int:
    """Open a connection, send a request before login, return the pid in the gateway's answer."""
    client = await TcpClient.connect(port)
    try:
        client.send(request_bytes(7))
        payload = await client.recv()
        assert payload is not None
        n = parse_notification(payload)
        assert n.request_id == 7
        return _worker_pid(n.reason)
    finally:
        await client.close()


async def _ws_pid(session: aiohttp.ClientSession, port: int) -> int:
    async with session.ws_connect(f"ws://127.0.0.1:{port}/") as ws:
        await ws.send_bytes(request_bytes(9))
        msg = await ws.receive(timeout=2)
        assert msg.type is aiohttp.WSMsgType.BINARY
        n = parse_notification(msg.data)
        assert n.request_id == 9
        return _worker_pid(n.reason)


async def test_two_workers_serve_tcp_ws_health_then_stop_cleanly(tmp_path: Path) -> None:
    """Both workers accept TCP and WebSocket clients; heartbeats are answered on both transports; /health
    names the worker; the embedded redis-server lives exactly as long as the server; the fake NOTIFY_SOCKET
    sees READY=1 then STOPPING=1; the pid file names the supervisor; after SIGTERM nothing of ours is
    left."""
    pid_file = tmp_path / "run" / "turms.pid"
    with running(Server(tmp_path, workers=2, settings={"server.pid_file": str(pid_file)})) as server:
        await server.wait_ready()
        assert pid_file.read_text().strip() == str(server.pid)
        workers = server.worker_pids()
        assert len(workers) == 2
        (redis_pid,) = server.redis_pids()
        assert (server.data_dir / "redis" / "redis.sock").exists()

        tcp_pids: set[int] = set()
        for _ in range(200):
            tcp_pids.add(await _tcp_pid(server.tcp_port))
            if len(tcp_pids) == 2:
                break
        assert tcp_pids == workers

        ws_pids: set[int] = set()
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                ws_pids.add(await _ws_pid(http, server.ws_port))
                if len(ws_pids) == 2:
                    break
            assert ws_pids == workers

            # Heartbeats: an empty frame is answered by an empty frame (TCP: the byte 0x00).
            async with http.ws_connect(f"ws://127.0.0.1:{server.ws_port}/") as ws:
                for _ in range(3):
                    await ws.send_bytes(b"")
                    msg = await ws.receive(timeout=2)
                    assert msg.type is aiohttp.WSMsgType.BINARY and msg.data == b""

            async with http.get(f"http://127.0.0.1:{server.admin_port}/health") as resp:
                assert resp.status == 200
                body = await resp.json()
                assert body == {"status": "ok", "live": True, "ready": True}  # anyone: liveness only
            password = (server.data_dir / "admin-root-password").read_text().strip()
            root = {"Authorization": aiohttp.encode_basic_auth("turms", password)}
            async with http.get(f"http://127.0.0.1:{server.admin_port}/health", headers=root) as resp:
                assert resp.status == 200
                body = await resp.json()
                assert body["ready"] is True and body["pid"] in workers and body["redis"] is True

        client = await TcpClient.connect(server.tcp_port)
        for _ in range(3):
            client.send_raw(b"\x00")
            assert await client.recv() == b""
        await client.close()

        assert server.notify.count("READY=1") == 1
        assert server.notify.count("STOPPING=1") == 0
        server.signal(signal.SIGTERM)
        assert await server.wait_exit(10) == 0
        assert server.notify.count("STOPPING=1") == 1
        ready_at = next(i for i, m in enumerate(server.notify.messages) if "READY=1" in m.split("\n"))
        stopping_at = next(i for i, m in enumerate(server.notify.messages) if "STOPPING=1" in m.split("\n"))
        assert ready_at < stopping_at
        for pid in (*workers, redis_pid):
            assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        assert not pid_file.exists()


async def _prober(port: int, stop: asyncio.Event, interval: float, results: dict[str, int]) -> None:
    """Connect every ``interval`` and do one heartbeat round trip; count outcomes."""

    async def one() -> None:
        try:
            client = await TcpClient.connect(port, within=3)
        except ConnectionRefusedError:
            results["refused"] += 1
            return
        except ConnectionResetError:
            # The handshake reached a listener that died with it queued: the killed worker's socket.
            results["cut"] += 1
            return
        except (OSError, TimeoutError):
            results["connect_error"] += 1
            return
        try:
            client.send_raw(b"\x00")
            payload = await client.recv(within=3)
            if payload == b"":
                results["ok"] += 1
            elif payload is not None and parse_notification(payload).close_status == SERVER_CLOSED:
                results["told_closed"] += 1
            else:
                results["cut"] += 1
        except (OSError, TimeoutError):
            results["cut"] += 1
        finally:
            await client.close()

    tasks: set[asyncio.Task[None]] = set()
    while not stop.is_set():
        t = asyncio.create_task(one())
        tasks.add(t)
        t.add_done_callback(tasks.discard)
        await asyncio.sleep(interval)
    if tasks:
        await asyncio.wait(tasks)


def _results() -> dict[str, int]:
    return {"ok": 0, "told_closed": 0, "refused": 0, "connect_error": 0, "cut": 0}


async def _wait_for(predicate: object, within: float, what: str) -> float:
    started = time.monotonic()
    while not predicate():  # type: ignore[operator]
        if time.monotonic() - started > within:
            raise AssertionError(f"{what} not within {within} s")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def _serving_pid(port: int) -> int | None:
    """The pid of the worker that answers one new TCP connection, or None if that connection failed."""
    try:
        client = await TcpClient.connect(port, within=1)
    except (OSError, TimeoutError):
        return None
    try:
        client.send(request_bytes(11))
        payload = await client.recv(within=1)
    except (OSError, TimeoutError):
        return None
    finally:
        await client.close()
    if payload is None:
        return None
    n = parse_notification(payload)
    return _worker_pid(n.reason) if n.request_id == 11 else None


async def test_kill9_worker_is_replaced_while_port_keeps_accepting(tmp_path: Path) -> None:
    """kill -9 of a worker: within 2 s a *new* worker process is serving clients on the shared port (seen
    answering a request with its own pid), and the port never refuses a connection meanwhile."""
    with running(Server(tmp_path, workers=2)) as server:
        await server.wait_ready()
        before = server.worker_pids()
        assert len(before) == 2
        victim = min(before)
        stop = asyncio.Event()
        results = _results()
        prober = asyncio.create_task(_prober(server.tcp_port, stop, 0.01, results))
        await asyncio.sleep(0.3)
        killed_at = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        # SO_REUSEPORT spreads new connections over every bound listener, so once the replacement has bound
        # its listeners about every other connection reaches it; until then the survivor takes them all.
        replacement: int | None = None
        survivors: set[int] = set()
        while replacement is None and time.monotonic() - killed_at < 2.0:
            pid = await _serving_pid(server.tcp_port)
            if pid is not None and pid not in before:
                replacement = pid
            elif pid is not None:
                survivors.add(pid)
            else:
                await asyncio.sleep(0.01)
        took = time.monotonic() - killed_at
        assert replacement is not None, f"no new worker served a connection within 2 s:\n{server.log()}"
        assert victim not in survivors
        assert took < 2.0
        # The supervisor counts it ready. The worker tells it once booted, and may serve a connection before the
        # supervisor has read and logged that: the two processes are not ordered, so the line is waited for.
        await _wait_for(lambda: re.search(rf"pid {replacement}, generation \d+\) is ready", server.log()), 2.0, "ready")
        assert server.worker_pids() == (before - {victim}) | {replacement}
        await asyncio.sleep(0.5)
        stop.set()
        await prober
        assert results["refused"] == 0 and results["connect_error"] == 0, results
        # A connection the kernel had already queued on the killed worker's socket dies with it (reset during
        # the handshake, or after it).
        assert results["cut"] <= 2, results
        assert results["ok"] > 50, results
        assert "killed by SIGKILL" in server.log()


async def test_an_idle_supervisor_does_not_poll(tmp_path: Path) -> None:
    """Steady (every worker serving, nothing pending), the supervisor sleeps until a signal, a worker's pipe or
    its idle tick wakes it: about two wake-ups a second with one worker (its heartbeat, the tick). The 50 ms
    tick it had before woke it more than twenty times a second."""
    with running(Server(tmp_path, workers=1)) as server:
        await server.wait_ready()
        await asyncio.sleep(1.0)  # past the boot's own traffic
        supervisor = psutil.Process(server.pid)
        before = supervisor.num_ctx_switches().voluntary
        started = time.monotonic()
        await asyncio.sleep(4.0)
        per_s = (supervisor.num_ctx_switches().voluntary - before) / (time.monotonic() - started)
        assert per_s < 5, f"{per_s:.1f} wake-ups a second"
        assert len(server.worker_pids()) == 1


async def test_hung_worker_is_killed_and_replaced(tmp_path: Path) -> None:
    settings = {"server.worker_heartbeat_timeout_s": "1.0"}
    with running(Server(tmp_path, workers=2, settings=settings)) as server:
        await server.wait_ready()
        victim = min(server.worker_pids())
        os.kill(victim, signal.SIGSTOP)
        await _wait_for(
            lambda: victim not in server.worker_pids() and len(server.worker_pids()) == 2, 6.0, "replacement"
        )
        assert "sent no heartbeat" in server.log()
        # The replacement serves.
        client = await TcpClient.connect(server.tcp_port)
        client.send_raw(b"\x00")
        assert await client.recv() == b""
        await client.close()


async def test_a_port_taken_by_another_process_is_refused_before_any_worker(tmp_path: Path) -> None:
    server = Server(tmp_path, workers=2)
    squatter = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # no SO_REUSEPORT: blocks our bind
    squatter.bind(("127.0.0.1", server.tcp_port))
    squatter.listen(1)
    try:
        with running(server):
            code = await server.wait_exit(5.0)
        log = server.log()
        assert code == 5, log
        assert f"port {server.tcp_port} (client TCP" in log and "another process listens there" in log
        assert "started worker" not in log
        assert not server.children()
    finally:
        squatter.close()


async def test_a_second_server_on_the_same_ports_exits_within_a_second(tmp_path: Path) -> None:
    """SO_REUSEPORT would let a second `turms serve` (another data directory, the same user) join the first
    one's ports, and the kernel would split clients between two clusters: it must refuse instead."""
    for name in ("one", "two", "three"):
        (tmp_path / name).mkdir()
    with running(Server(tmp_path / "one", workers=2)) as first:
        await first.wait_ready()
        ports = {
            "gateway.tcp.port": str(first.tcp_port),
            "gateway.websocket.port": str(first.ws_port),
            "admin.http.port": str(first.admin_port),
        }
        second = Server(tmp_path / "two", workers=2)
        second.settings.update(ports)
        started = time.monotonic()
        with running(second):
            code = await second.wait_exit(5.0)
        elapsed = time.monotonic() - started
        log = second.log()
        assert code == 5, log
        assert f"port {first.tcp_port} (client TCP) is taken by another turms server" in log
        assert elapsed < 1.0, f"refused after {elapsed:.2f} s"
        # The first server is untouched and still the only one serving its ports.
        assert first.proc is not None and first.proc.poll() is None
        assert await _tcp_pid(first.tcp_port) in first.worker_pids()
        # Each port alone is claimed too (a second server sharing only the admin port is refused).
        third = Server(tmp_path / "three", workers=1)
        third.settings["admin.http.port"] = str(first.admin_port)
        with running(third):
            assert await third.wait_exit(5.0) == 5
        assert f"port {first.admin_port} (admin HTTP) is taken by another turms server" in third.log()


async def test_sigterm_tells_200_connections_server_closed_then_exits_0(tmp_path: Path) -> None:
    settings = {"server.drain_timeout_s": "10", "gateway.session.close_reconnect_jitter_ms": "1000"}
    with running(Server(tmp_path, workers=2, settings=settings)) as server:
        await server.wait_ready()
        tcp = [await TcpClient.connect(server.tcp_port) for _ in range(150)]
        for c in tcp:  # a round trip proves each connection is established with a worker
            c.send_raw(b"\x00")
        assert all([await c.recv() == b"" for c in tcp])
        async with aiohttp.ClientSession() as http:
            ws = [await http.ws_connect(f"ws://127.0.0.1:{server.ws_port}/") for _ in range(50)]
            started = time.monotonic()
            server.signal(signal.SIGTERM)

            async def tcp_told(c: TcpClient) -> int:
                payload = await c.recv(within=8)
                assert payload is not None, "closed without a notification"
                n = parse_notification(payload)
                assert await c.recv(within=8) is None  # then EOF
                await c.close()
                return int(n.close_status)

            async def ws_told(w: aiohttp.ClientWebSocketResponse) -> int:
                msg = await w.receive(timeout=8)
                assert msg.type is aiohttp.WSMsgType.BINARY, msg
                n = parse_notification(msg.data)
                assert "reconnect after" in n.reason
                closing = await w.receive(timeout=8)
                assert closing.type is aiohttp.WSMsgType.CLOSE and closing.data == 1001, closing
                await w.close()
                return int(n.close_status)

            statuses = await asyncio.gather(*(tcp_told(c) for c in tcp), *(ws_told(w) for w in ws))
        assert statuses == [SERVER_CLOSED] * 200
        assert await server.wait_exit(10) == 0
        assert time.monotonic() - started < 10


async def test_sighup_rolling_reload_refuses_nothing(tmp_path: Path) -> None:
    with running(Server(tmp_path, workers=2)) as server:
        await server.wait_ready()
        before = server.worker_pids()
        stop = asyncio.Event()
        results = _results()
        prober = asyncio.create_task(_prober(server.tcp_port, stop, 0.01, results))
        await asyncio.sleep(0.3)
        server.signal(signal.SIGHUP)
        await _wait_for(lambda: server.notify.count("READY=1") >= 2, 10.0, "reload")
        await _wait_for(lambda: not (server.worker_pids() & before), 10.0, "old workers gone")
        await asyncio.sleep(0.3)
        stop.set()
        await prober
        assert server.notify.count("RELOADING=1") == 1
        assert len(server.worker_pids()) == 2
        assert results["refused"] == results["connect_error"] == results["cut"] == 0, results
        assert results["ok"] > 50, results


async def test_login_timeout_heartbeat_timeout_and_illegal_frames(tmp_path: Path) -> None:
    settings = {"gateway.session.login_timeout_s": "1.2", "gateway.session.heartbeat_timeout_s": "0.6"}
    with running(Server(tmp_path, workers=1, settings=settings)) as server:
        await server.wait_ready()
        idle = await TcpClient.connect(server.tcp_port)
        beating = await TcpClient.connect(server.tcp_port)
        garbage = await TcpClient.connect(server.tcp_port)
        garbage.send_raw(b"\xff\xff\xff\xff\xff\xff")
        async with aiohttp.ClientSession() as http:
            ws_idle = await http.ws_connect(f"ws://127.0.0.1:{server.ws_port}/")
            started = time.monotonic()

            async def beat() -> list[bytes | None]:
                replies = []
                while True:
                    beating.send_raw(b"\x00")
                    reply = await beating.recv(within=2)
                    replies.append(reply)
                    if reply != b"":
                        return replies
                    await asyncio.sleep(0.2)

            replies = await beat()
            assert replies[:-1] and all(r == b"" for r in replies[:-1])
            assert replies[-1] is not None
            assert parse_notification(replies[-1]).close_status == 111  # LOGIN_TIMEOUT
            assert 1.0 < time.monotonic() - started < 2.5

            payload = await idle.recv(within=0.1)
            assert payload is not None and parse_notification(payload).close_status == 110  # HEARTBEAT_TIMEOUT
            msg = await ws_idle.receive(timeout=1)
            assert parse_notification(msg.data).close_status == 110
            await ws_idle.close()

        payload = await garbage.recv(within=1)
        assert payload is not None and parse_notification(payload).close_status == 100  # ILLEGAL_REQUEST
        assert await garbage.recv(within=1) is None
        for c in (idle, beating, garbage):
            await c.close()


async def test_nothing_outlives_a_killed_supervisor(tmp_path: Path) -> None:
    """kill -9 of the supervisor: the workers (parent-death signal, then drain) and the embedded
    redis-server follow it."""
    with running(Server(tmp_path, workers=2)) as server:
        await server.wait_ready()
        ours = [psutil.Process(pid) for pid in server.worker_pids() | server.redis_pids()]
        assert len(ours) == 3
        server.signal(signal.SIGKILL)
        await server.wait_exit(2)
        _, alive = psutil.wait_procs(ours, timeout=5)
        assert not alive


async def test_drain_timeout_kills_stragglers(tmp_path: Path) -> None:
    """A worker that cannot drain (stopped) is killed when server.drain_timeout_s runs out; exit is 0."""
    settings = {"server.drain_timeout_s": "1.0", "server.worker_heartbeat_timeout_s": "30"}
    with running(Server(tmp_path, workers=2, settings=settings)) as server:
        await server.wait_ready()
        stuck = min(server.worker_pids())
        os.kill(stuck, signal.SIGSTOP)
        started = time.monotonic()
        server.signal(signal.SIGTERM)
        assert await server.wait_exit(5) == 0
        assert 0.9 < time.monotonic() - started < 3.0
        assert "drain timeout" in server.log()
        assert not psutil.pid_exists(stuck) or psutil.Process(stuck).status() == psutil.STATUS_ZOMBIE


@pytest.mark.parametrize("second", [signal.SIGTERM, signal.SIGINT], ids=["TERM-TERM", "TERM-INT"])
async def test_second_stop_signal_kills_the_stragglers(tmp_path: Path, second: signal.Signals) -> None:
    """A worker held in SIGSTOP cannot drain; with a long drain timeout the supervisor waits for it after the
    first SIGTERM, and a second stop signal makes it SIGKILL the straggler and exit 0 at once."""
    settings = {"server.drain_timeout_s": "30", "server.worker_heartbeat_timeout_s": "30"}
    with running(Server(tmp_path, workers=2, settings=settings)) as server:
        await server.wait_ready()
        stuck, other = sorted(server.worker_pids())
        os.kill(stuck, signal.SIGSTOP)
        server.signal(signal.SIGTERM)
        # The free worker drains and exits; the stopped one cannot, so the supervisor keeps waiting for it.
        await _wait_for(lambda: other not in server.worker_pids(), 5.0, "the free worker's drain")
        await asyncio.sleep(1.0)
        assert server.proc is not None and server.proc.poll() is None, server.log()
        assert server.worker_pids() == {stuck}
        assert psutil.Process(stuck).status() == psutil.STATUS_STOPPED
        started = time.monotonic()
        server.signal(second)
        assert await server.wait_exit(5) == 0
        took = time.monotonic() - started
        assert took < 1.0, f"exit took {took:.2f} s after the second signal"
        log = server.log()
        assert f"{second.name} again: killing 1 remaining workers" in log, log
        assert "drain timeout" not in log
        assert not psutil.pid_exists(stuck) or psutil.Process(stuck).status() == psutil.STATUS_ZOMBIE


async def test_redis_url_from_a_file_and_a_reload_that_cannot_read_it(tmp_path: Path, redis_url: str) -> None:
    """redis.url_file (a systemd credential in production): the workers use that Redis and no private
    redis-server starts; a reload whose URI file has become unreadable is refused and the workers stay."""
    credential = tmp_path / "redis-url"
    credential.write_text(f"{redis_url}\n")
    settings = {"redis.url": "redis://127.0.0.1:1/0", "redis.url_file": str(credential)}  # the file wins
    with running(Server(tmp_path, workers=2, settings=settings)) as server:
        await server.wait_ready()
        assert not server.redis_pids()
        assert not (server.data_dir / "redis").exists()
        workers = server.worker_pids()
        assert len(workers) == 2
        client = await TcpClient.connect(server.tcp_port)
        client.send_raw(b"\x00")
        assert await client.recv() == b""
        await client.close()

        credential.unlink()
        server.signal(signal.SIGHUP)
        await _wait_for(lambda: "reload: configuration error" in server.log(), 5.0, "the refused reload")
        # READY=1 again with "reload failed" in STATUS=: still serving.
        await _wait_for(lambda: server.notify.count("READY=1") == 2, 5.0, "READY=1 after the refused reload")
        log = server.log()
        assert "redis.url_file: cannot read" in log and str(credential) in log
        await asyncio.sleep(0.5)
        assert server.worker_pids() == workers
        assert redis_url not in log
        server.signal(signal.SIGTERM)
        assert await server.wait_exit(10) == 0
