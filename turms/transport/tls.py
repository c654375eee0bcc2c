"""TLS on the listeners: one server context per worker, shared by every listener that serves TLS, and its
certificate reload.

The context is built from ``tls.cert_file`` and ``tls.key_file`` (``tls.min_version``; the ciphers are
OpenSSL's defaults for the version). Reloading loads the files into the same context: handshakes that start
afterwards present the new certificate, and connections already established keep theirs, so nobody is
disconnected (a worker reloads on SIGUSR1, which the supervisor forwards; a SIGHUP reload starts workers that
read the files anew). A reload that fails (a missing file, a key that does not match) is logged and the
context keeps the certificate it has.

The handshake runs in the event loop's TLS layer before the listener's protocol sees the connection, bounded by
``security.connections.handshake_timeout_s``; the listener's admission and deadlines (the accept gate's,
:mod:`turms.transport.gate`, and the TCP login deadline) start when it ends.
"""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

from turms.settings import Settings
from turms.settings import tls as tls_settings

log = logging.getLogger("turms.transport.tls")


class TlsConfigError(ValueError):
    """The TLS settings cannot give a context (names the file and the cause)."""


class ServerTls:
    def __init__(self, cert_file: str, key_file: str, *, min_version: str = "1.2") -> None:
        if not cert_file or not key_file:
            raise TlsConfigError("a listener serves TLS but tls.cert_file or tls.key_file is not set")
        self.cert_file = cert_file
        self.key_file = key_file
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_3 if min_version == "1.3" else ssl.TLSVersion.TLSv1_2
        self.context.options |= ssl.OP_NO_COMPRESSION
        self._load()
        #: Certificates loaded since start (the first included), for tests and logs.
        self.loads = 1

    @classmethod
    def from_settings(cls, settings: Settings) -> ServerTls | None:
        """The context of this configuration, or None when no listener serves TLS."""
        if not tls_settings.any_tls(settings):
            return None
        return cls(
            settings.get(tls_settings.CERT_FILE),
            settings.get(tls_settings.KEY_FILE),
            min_version=settings.get(tls_settings.MIN_VERSION),
        )

    def _load(self) -> None:
        for path in (self.cert_file, self.key_file):
            if not Path(path).is_file():
                raise TlsConfigError(f"cannot read {path}: no such file")
        try:
            # First into a scratch context: a pair that fails half-way (a key that does not match) must not
            # leave the live context with the new certificate and the old key.
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(self.cert_file, self.key_file)
            self.context.load_cert_chain(self.cert_file, self.key_file)
        except (ssl.SSLError, OSError) as e:
            raise TlsConfigError(
                f"cannot load the certificate {self.cert_file} with the key {self.key_file}: {e}"
            ) from e

    def reload(self) -> bool:
        """Load the files again into the live context; False (and the old certificate kept) on failure."""
        try:
            self._load()
        except TlsConfigError as e:
            log.error("TLS certificate reload failed, keeping the current certificate: %s", e)
            return False
        self.loads += 1
        log.info("TLS certificate reloaded from %s", self.cert_file)
        return True
