"""Security: password hashing, token verification, rate limits (``ratelimit``), the IP/user blocklist with
auto-block (``blocklist``), the gateway's abuse checks (``guard``) and antispam (``antispam``).

May import ``turms.settings``, ``turms.errors``, ``turms.protocol.status``, ``turms.clock``,
``turms.observability.metrics`` (refusals and blocks are counted where they are decided) and libraries;
nothing higher. The Redis side of the blocklist lives in ``turms.cluster.blocklist``.
"""
