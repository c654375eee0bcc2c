"""Settings of client login: how users authenticate, and which devices may be online together.

The strategy names are those of ``turms.gateway.login_policy`` (a test keeps them equal).
"""

from __future__ import annotations

from turms.settings.registry import at_least, between, list_setting, setting

AUTH_TYPE = setting(
    "gateway.auth.type",
    str,
    "password",
    "How clients authenticate: `password` (checked against the user's stored scrypt hash), `jwt` (the "
    "password field carries a JWT whose `sub` is the user id), or `none` (any user id is accepted: for "
    "tests and trusted networks only).",
    choices=("password", "jwt", "none"),
)
JWT_KEY = setting(
    "gateway.auth.jwt.key",
    str,
    "",
    "JWT verification key: the HMAC secret, or a PEM public key for RS/PS/ES algorithms.",
    secret=True,
)
JWT_KEY_FILE = setting(
    "gateway.auth.jwt.key_file",
    str,
    "",
    "Read the JWT verification key from this file instead (e.g. a systemd credential).",
    path=True,
)
JWT_ALGORITHMS = list_setting(
    "gateway.auth.jwt.algorithms",
    str,
    ["HS256"],
    "Accepted JWT algorithms. HMAC and public-key algorithms cannot be mixed; `none` is never accepted.",
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
JWT_ISSUER = setting("gateway.auth.jwt.issuer", str, "", "Required `iss` claim. Empty: not checked.")
JWT_AUDIENCE = setting("gateway.auth.jwt.audience", str, "", "Required `aud` claim. Empty: not checked.")
JWT_LEEWAY_S = setting(
    "gateway.auth.jwt.leeway_s", float, 5.0, "Clock skew tolerated on `exp`/`nbf`.", validator=between(0, 300)
)

STRATEGY = setting(
    "gateway.simultaneous_login.strategy",
    str,
    "ALLOW_ONE_DEVICE_OF_EACH_DEVICE_TYPE_ONLINE",
    "Which device types of one user may be online at the same time (Turms's strategies).",
    choices=(
        "ALLOW_ONE_DEVICE_OF_EACH_DEVICE_TYPE_ONLINE",
        "ALLOW_ONE_DEVICE_FOR_ALL_DEVICE_TYPES_ONLINE",
        "ALLOW_ONE_DEVICE_OF_DESKTOP_AND_ONE_DEVICE_OF_MOBILE_ONLINE",
        "ALLOW_ONE_DEVICE_OF_DESKTOP_OR_BROWSER_AND_ONE_DEVICE_OF_MOBILE_ONLINE",
        "ALLOW_ONE_DEVICE_OF_DESKTOP_AND_ONE_DEVICE_OF_BROWSER_AND_ONE_DEVICE_OF_MOBILE_ONLINE",
        "ALLOW_ONE_DEVICE_OF_DESKTOP_OR_MOBILE_ONLINE",
        "ALLOW_ONE_DEVICE_OF_DESKTOP_OR_BROWSER_OR_MOBILE_ONLINE",
    ),
    live=True,
)
CONFLICT_STRATEGY = setting(
    "gateway.simultaneous_login.conflict_strategy",
    str,
    "DISCONNECT_LOGGED_IN_DEVICES",
    "On a conflicting login: disconnect the logged-in device (it gets close status 501) or refuse the new "
    "login (status 2100).",
    choices=("DISCONNECT_LOGGED_IN_DEVICES", "DISCONNECT_LOGGING_IN_DEVICE"),
    live=True,
)
ALLOW_UNKNOWN_DEVICE = setting(
    "gateway.simultaneous_login.allow_unknown_device",
    bool,
    True,
    "Accept logins whose device type is UNKNOWN.",
    live=True,
)
ALLOW_OTHERS_DEVICE = setting(
    "gateway.simultaneous_login.allow_others_device",
    bool,
    True,
    "Accept logins whose device type is OTHERS.",
    live=True,
)
REGISTRY_TTL_S = setting(
    "gateway.session.registry_ttl_s",
    int,
    60,
    "TTL of a user's entry in the Redis session registry; workers refresh it for the users they hold.",
    validator=at_least(5),
)
NOTIFY_USER_SESSION = setting(
    "gateway.session.notify_user_session_after_login",
    bool,
    True,
    "After a successful login, also send a `UserSession` notification (session id, server id).",
    live=True,
)
FAILED_LOGIN_ENABLED = setting(
    "gateway.auth.failed_login.enabled",
    bool,
    True,
    "Throttle failed client logins per user id and per client IP, cluster-wide (in Redis): while a bucket is "
    "empty, a login is answered CLIENT_REQUESTS_TOO_FREQUENT (1101) before any password is checked.",
    live=True,
)
FAILED_LOGIN_USER_BURST = setting(
    "gateway.auth.failed_login.user_burst",
    int,
    5,
    "Failed logins of one user id before the throttle applies.",
    validator=between(1, 1_000_000),
    live=True,
)
FAILED_LOGIN_USER_REFILL_S = setting(
    "gateway.auth.failed_login.user_refill_s",
    float,
    12.0,
    "Then one more failed login of that user id per this many seconds.",
    validator=between(0.001, 86_400),
    live=True,
)
FAILED_LOGIN_IP_BURST = setting(
    "gateway.auth.failed_login.ip_burst",
    int,
    20,
    "Failed logins from one client IP (an IPv6 /64) before the throttle applies; kept above the per-user "
    "burst for users behind one NAT.",
    validator=between(1, 1_000_000),
    live=True,
)
FAILED_LOGIN_IP_REFILL_S = setting(
    "gateway.auth.failed_login.ip_refill_s",
    float,
    3.0,
    "Then one more failed login from that IP per this many seconds.",
    validator=between(0.001, 86_400),
    live=True,
)
