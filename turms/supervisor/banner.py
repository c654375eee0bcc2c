"""The start-up banner: what a person who just ran ``turms serve`` needs to know, once every worker is ready.

On a terminal (``log.format`` ``auto`` on a TTY, or ``text``) it is printed as a block of plain lines on the
log stream; otherwise (systemd, pipes, files) it is one INFO record with the same facts as fields, so a log
shipper sees one line, not a picture.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import turms
from turms.observability import logging as observability_logging
from turms.settings import Settings, admin, redis, server, storage
from turms.settings import files as files_settings
from turms.settings.listeners import configured_listeners
from turms.settings.tls import serves_tls
from turms.supervisor.embedded_redis import EmbeddedRedis

log = logging.getLogger("turms.supervisor")

ROOT_PASSWORD_FILE_NAME = "admin-root-password"
DEMO_PASSWORD = "123"


@dataclass(frozen=True)
class ServingFacts:
    """What the banner tells, gathered from the settings and the running supervisor."""

    version: str
    pid: int
    workers: int
    data_dir: str
    store: str
    redis: str
    files: str
    listeners: list[tuple[str, str]]
    admin_login: str
    admin_password: str
    demo: bool
    try_next: list[str]


def _connect_host(host: str) -> str:
    """The address a local client uses for a listener bound to ``host``."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _command(*parts: str) -> str:
    """A copy-pasteable command line, with this interpreter relative to the current directory when inside it."""
    python = sys.executable
    relative = os.path.relpath(python)
    if not relative.startswith(".."):
        python = relative
    return " ".join(shlex.quote(p) for p in (python, *parts))


def _store(settings: Settings) -> str:
    if storage.mongo_configured(settings):
        source = "storage.mongo.uri_file" if settings.get(storage.MONGO_URI_FILE) else "storage.mongo.uri"
        return f"MongoDB (from {source})"
    path = settings.get(storage.SQLITE_PATH) or str(Path(settings.get(server.DATA_DIR)) / "turms.sqlite3")
    return f"SQLite {path}"


def _redis(settings: Settings, embedded: EmbeddedRedis | None) -> str:
    if embedded is not None:
        return f"embedded {Path(embedded.binary).name} (pid {embedded.pid}) on {embedded.socket_path}"
    # The URL itself is not shown: it may carry a password, and it may come from a credential file.
    return f"external (from {'redis.url_file' if settings.get(redis.URL_FILE) else 'redis.url'})"


def _files(settings: Settings) -> str:
    from turms.service.resource.backends import chosen_backend, local_public_url

    choice = chosen_backend(settings)
    if choice == "local":
        directory = settings.get(files_settings.LOCAL_DIR) or str(Path(settings.get(server.DATA_DIR)) / "files")
        return f"local, in {directory}, served at {local_public_url(settings)}/files"
    if choice == "s3":
        endpoint = observability_logging.redact(settings.get(files_settings.S3_ENDPOINT))
        return f"S3-compatible object store at {endpoint or 'the AWS default endpoint'}"
    return "off (service.storage.backend): storage requests answer 6000"


def _admin_password(settings: Settings) -> str:
    if settings.get(admin.ROOT_PASSWORD_FILE):
        return f"in {settings.get(admin.ROOT_PASSWORD_FILE)} (admin.root.password_file)"
    if settings.get(admin.ROOT_PASSWORD):
        return "as configured (admin.root.password)"
    generated = Path(settings.get(server.DATA_DIR)) / ROOT_PASSWORD_FILE_NAME
    if generated.exists():
        return f"in {generated}"
    return "set when this cluster first started (reset it with admin.root.password_file)"


def gather(settings: Settings, *, workers: int, embedded: EmbeddedRedis | None, demo: bool) -> ServingFacts:
    listeners: list[tuple[str, str]] = []
    tcp_port = 0
    admin_url = ""
    for name, host, port in configured_listeners(settings):
        secure = serves_tls(settings, name)
        if name == "client TCP":
            tcp_port = port
            listeners.append((name, f"{host}:{port}" + (" (TLS)" if secure else "")))
        elif name == "client WebSocket":
            listeners.append((name, f"{'wss' if secure else 'ws'}://{_connect_host(host)}:{port}/ (bound to {host})"))
        elif name == "admin HTTP":
            admin_url = f"{'https' if secure else 'http'}://{_connect_host(host)}:{port}"
            listeners.append((name, f"{admin_url}/ (bound to {host})"))
            if settings.get(admin.CONSOLE_ENABLED):
                listeners.append(("admin console", f"{admin_url}/console/ (log in with an admin account)"))
        elif name == "health HTTP":
            listeners.append((name, f"http://{_connect_host(host)}:{port}/health (bound to {host})"))
        else:  # a listener added without a line of its own
            listeners.append((name, f"{host}:{port}"))
    chat = ["-m", "turms.client.chat"]
    if tcp_port and tcp_port != 11510:
        chat += ["--port", str(tcp_port)]
    try_next: list[str] = []
    if demo:
        try_next.append(_command(*chat, "--user", "1", "--password", DEMO_PASSWORD, "--to", "2"))
        try_next.append(_command(*chat, "--user", "2", "--password", DEMO_PASSWORD, "--to", "1"))
    elif admin_url:
        login = settings.get(admin.ROOT_LOGIN_NAME)
        password_file = settings.get(admin.ROOT_PASSWORD_FILE) or str(
            Path(settings.get(server.DATA_DIR)) / ROOT_PASSWORD_FILE_NAME
        )
        for user in (1, 2):
            body = f'{{"id": {user}, "password": "secret{user}"}}'
            try_next.append(
                f'curl -u "{login}:$(cat {shlex.quote(password_file)})" -H "Content-Type: application/json" '
                f"-d {shlex.quote(body)} {admin_url}/users"
            )
        try_next.append(_command(*chat, "--user", "1", "--password", "secret1", "--to", "2"))
        try_next.append(
            "or a playground, with its own data: scripts/serve.sh --demo --data-dir ./demo-data "
            "(users 1..1000, password 123)"
        )
    return ServingFacts(
        version=turms.__version__,
        pid=os.getpid(),
        workers=workers,
        data_dir=settings.get(server.DATA_DIR),
        store=_store(settings),
        redis=_redis(settings, embedded),
        files=_files(settings),
        listeners=listeners,
        admin_login=settings.get(admin.ROOT_LOGIN_NAME),
        admin_password=_admin_password(settings),
        demo=demo,
        try_next=try_next,
    )


def render(facts: ServingFacts) -> str:
    """The banner as text, for a terminal."""
    mode = " with the demo dataset" if facts.demo else ""
    lines = [
        "",
        f"turms-server {facts.version} is serving{mode}: {facts.workers} worker{'s' if facts.workers != 1 else ''}, "
        f"supervisor pid {facts.pid}",
        f"  data dir          {facts.data_dir}",
        f"  store             {facts.store}",
        f"  redis             {facts.redis}",
        f"  files             {facts.files}",
    ]
    lines += [f"  {name:<17} {where}" for name, where in facts.listeners]
    lines.append(f"  admin login       {facts.admin_login}, password {facts.admin_password}")
    if facts.demo:
        lines.append("  demo accounts     users 1..1000 with password 123; admin guest/guest (read and create)")
    lines.append(f"  stop              Ctrl-C, or: kill -TERM {facts.pid}")
    if facts.try_next:
        lines.append("  try next:")
        lines += [f"    {command}" for command in facts.try_next]
    lines.append("")
    return "\n".join(lines) + "\n"


def announce(facts: ServingFacts, settings: Settings, stream: IO[str] | None = None) -> None:
    """Print the banner for a person, or log it as one record for a machine."""
    if observability_logging.is_human(settings, stream):
        target = stream or sys.stderr
        target.write(render(facts))
        target.flush()
        return
    log.info(
        "turms-server %s is serving: %d workers; %s",
        facts.version,
        facts.workers,
        "; ".join(f"{name} {where}" for name, where in facts.listeners),
        extra={
            "fields": {
                "data_dir": facts.data_dir,
                "store": facts.store,
                "redis": facts.redis,
                "files": facts.files,
                "admin_login": facts.admin_login,
                "admin_password": facts.admin_password,
                "demo": facts.demo,
            }
        },
    )
