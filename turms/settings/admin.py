"""Settings of the admin HTTP API."""

from __future__ import annotations

from turms.settings.registry import between, list_setting, port, setting

HTTP_ENABLED = setting("admin.http.enabled", bool, True, "Serve the admin HTTP API (health, metrics, admin).")
HTTP_HOST = setting(
    "admin.http.host",
    str,
    "127.0.0.1",
    "Address the admin HTTP listener binds. Loopback by default: expose it deliberately.",
)
HTTP_PORT = setting("admin.http.port", int, 8510, "Admin HTTP port (Turms's default).", validator=port)
MAX_CONNECTIONS_PER_IP = setting(
    "admin.http.max_connections_per_ip",
    int,
    128,
    "Open connections to the admin port from one IP, per worker; more are reset at accept. 0 turns the cap off.",
    validator=between(0, 1_000_000),
    live=True,
)
REFUSE_BLOCKED_IPS = setting(
    "admin.http.refuse_blocked_ips",
    bool,
    True,
    "Reset connections to the admin port from IPs on the client blocklist at accept, as the client ports do. "
    "Turn it off when operators share an address with clients that may be blocked (a NAT), so an auto-block "
    "cannot lock them out of the API that lifts it.",
    live=True,
)
ALLOWED_ORIGINS = list_setting(
    "admin.http.allowed_origins",
    str,
    [],
    "Origins (`scheme://host[:port]`) whose browser pages may call the admin API. A request carrying any other "
    "`Origin` header is refused 403 before its credentials are checked, so a page elsewhere cannot use an "
    "operator's browser and its remembered credentials (CSRF). Requests without `Origin` (curl, scripts, "
    "servers) are not affected. Empty: no browser page may call it.",
    live=True,
)
KEEPALIVE_TIMEOUT_S = setting(
    "admin.http.keepalive_timeout_s",
    float,
    75.0,
    "An idle keep-alive connection to the admin port is closed after this long.",
    validator=between(1.0, 3600.0),
)

ROOT_LOGIN_NAME = setting(
    "admin.root.login_name",
    str,
    "turms",
    "Login name of the root admin (role ROOT, immutable). Created on first start; there is no default password.",
    validator=lambda v: None if 1 <= len(v) <= 32 and not any(c.isspace() for c in v) else "1-32 characters, no spaces",
)
ROOT_PASSWORD = setting(
    "admin.root.password",
    str,
    "",
    "Root admin password. Empty: read `admin.root.password_file`; if that is empty too, a random password is "
    "generated on the cluster's first start and written (mode 0600) to `<server.data_dir>/admin-root-password` "
    "(the log names the file, never the password). When set, a root admin whose password differs is reset to "
    "it at start: the only way to change the root's password (the API cannot).",
    secret=True,
)
ROOT_PASSWORD_FILE = setting(
    "admin.root.password_file",
    str,
    "",
    "Read the root admin password from this file (e.g. a systemd `LoadCredential=` path) instead.",
    path=True,
)
JWT_KEY = setting(
    "admin.auth.jwt.key",
    str,
    "",
    "Enables bearer tokens on the admin API: the HMAC secret or PEM public key verifying admin JWTs (`sub` is "
    "the admin's login name). Empty (and no key file): HTTP Basic only.",
    secret=True,
)
JWT_KEY_FILE = setting("admin.auth.jwt.key_file", str, "", "Read the admin JWT key from this file instead.", path=True)
JWT_ALGORITHMS = list_setting(
    "admin.auth.jwt.algorithms",
    str,
    ["HS256"],
    "Accepted admin JWT algorithms (never `none`; HMAC and public-key algorithms cannot be mixed).",
    choices=(
        "HS256",
        "HS384",
        "HS512",
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES384",
        "ES512",
    ),
)
JWT_ISSUER = setting("admin.auth.jwt.issuer", str, "", "Required `iss` of admin JWTs. Empty: not checked.")
JWT_AUDIENCE = setting("admin.auth.jwt.audience", str, "", "Required `aud` of admin JWTs. Empty: not checked.")
FAILED_LOGIN_BURST = setting(
    "admin.auth.failed_login.burst",
    int,
    5,
    "Failed admin logins allowed in a burst, per client IP and per login name, cluster-wide, before further "
    "attempts are answered 429 without checking the password.",
    validator=between(1, 1_000_000),
    live=True,
)
FAILED_LOGIN_REFILL_S = setting(
    "admin.auth.failed_login.refill_s",
    float,
    10.0,
    "One more failed admin login is allowed per IP and per login name every this many seconds.",
    validator=between(0.001, 86_400),
    live=True,
)
CREDENTIAL_CACHE_S = setting(
    "admin.auth.credential_cache_s",
    float,
    60.0,
    "A verified Basic credential is remembered this long (per worker, keyed by a keyed hash, never the "
    "password), so each request does not pay a password hash. A changed password invalidates it at once.",
    validator=between(0, 3600),
)
DEFAULT_PAGE_SIZE = setting(
    "admin.api.default_page_size",
    int,
    10,
    "Records per page when a query names no `size`.",
    validator=between(1, 1000),
    live=True,
)
MAX_PAGE_SIZE = setting(
    "admin.api.max_page_size",
    int,
    1000,
    "Largest `size` (and number of `ids`) a request may ask for.",
    validator=between(1, 100_000),
    live=True,
)
MAX_BODY_BYTES = setting(
    "admin.api.max_body_bytes",
    int,
    1024 * 1024,
    "Largest admin request body.",
    validator=between(1024, 64 * 1024 * 1024),
)

CONSOLE_ENABLED = setting(
    "admin.console.enabled",
    bool,
    True,
    "Serve the admin web console at `/console/` on the admin port (the same admins, roles and audit log as the API).",
)
CONSOLE_IDLE_TIMEOUT_S = setting(
    "admin.console.session_idle_timeout_s",
    float,
    1800.0,
    "A console session ends after this long without a request.",
    validator=between(30, 86_400),
    live=True,
)
CONSOLE_MAX_AGE_S = setting(
    "admin.console.session_max_age_s",
    float,
    43_200.0,
    "A console session ends this long after its login, however active.",
    validator=between(60, 30 * 86_400),
    live=True,
)
CONSOLE_SECURE_COOKIE = setting(
    "admin.console.secure_cookie",
    str,
    "auto",
    "When the console's session cookie carries `Secure`: `auto` when the request came over TLS, `always` "
    "(behind a proxy that terminates TLS).",
    choices=("auto", "always"),
    live=True,
)
