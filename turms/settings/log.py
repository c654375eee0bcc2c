"""Settings of logging: level, format, destination and rotation, and the sampled per-request logs.

Four loggers write four streams (see docs/operations.md, "Monitoring"): the application log, the client-API
log (one line per sampled client request), the notification log (one line per sampled push, on the sending
and on the receiving worker) and the admin audit log. With ``log.dir`` empty they all go to stderr (journald
under systemd), told apart by their ``logger`` field.
"""

from __future__ import annotations

from turms.settings.registry import between, setting

LEVEL = setting(
    "log.level",
    str,
    "INFO",
    "Level of the application log.",
    choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
)
FORMAT = setting(
    "log.format",
    str,
    "auto",
    "`json` for JSON lines (journald, log shippers), `text` for one human-readable line per record, or `auto`: "
    "`text` when the log goes to a terminal (stderr is a TTY and `log.dir` is empty), else `json` (systemd, "
    "pipes, files).",
    choices=("auto", "json", "text"),
)
DIR = setting(
    "log.dir",
    str,
    "",
    "Directory of the log files `turms.log`, `turms-client-api.log`, `turms-notification.log` and "
    "`turms-admin-audit.log`, rotated by size. Empty: everything goes to stderr (journald under systemd).",
    path=True,
)
MAX_FILE_BYTES = setting(
    "log.max_file_bytes",
    int,
    32 * 1024 * 1024,
    "A log file is rotated when a line would take it past this size (`turms.log` → `turms.log.1` …).",
    validator=between(4096, 1 << 40),
)
MAX_FILES = setting(
    "log.max_files",
    int,
    20,
    "Rotated files kept per log besides the current one; the oldest is deleted.",
    validator=between(1, 10_000),
)
CLIENT_API_SAMPLE_RATE = setting(
    "log.client_api.sample_rate",
    float,
    0.0,
    "Fraction of client requests written to the client-API log (session, user, device, IP, request id, "
    "type, size, status, duration, trace id). 0 turns it off; 1 logs every request. The choice is made "
    "from the trace id, so a sampled request's notifications are sampled too.",
    validator=between(0.0, 1.0),
    live=True,
)
NOTIFICATION_SAMPLE_RATE = setting(
    "log.notification.sample_rate",
    float,
    0.0,
    "Fraction of notifications written to the notification log by the sending and by each receiving "
    "worker, chosen from the trace id of the request that caused them. 0 turns it off.",
    validator=between(0.0, 1.0),
    live=True,
)
