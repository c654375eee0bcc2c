"""Security: password hashing, token verification, and (later) rate limits, blocklist and antispam.

May import ``turms.settings``, ``turms.errors``, ``turms.protocol.status`` and libraries; nothing higher.
"""
