"""JWT verification for client logins (and admin bearer tokens): explicit algorithms, required claims.

``alg=none`` and any algorithm outside the allowlist are refused before the signature is looked at; ``sub``
and ``exp`` are required; issuer and audience are checked when configured. Nothing here logs a token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

from turms.security.ids import parse_int64

HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
SUPPORTED_ALGORITHMS = HMAC_ALGORITHMS + ASYMMETRIC_ALGORITHMS


class TokenError(Exception):
    """The token is not acceptable. The message never contains the token."""


@dataclass(frozen=True)
class JwtVerifier:
    key: str | bytes
    algorithms: Sequence[str] = ("HS256",)
    issuer: str | None = None
    audience: str | None = None
    leeway_s: float = 0.0
    required_claims: Sequence[str] = field(default=("sub", "exp"))

    def __post_init__(self) -> None:
        bad = [a for a in self.algorithms if a not in SUPPORTED_ALGORITHMS]
        if bad or not self.algorithms:
            raise ValueError(f"unsupported JWT algorithms: {bad or 'none given'}")
        if any(a in HMAC_ALGORITHMS for a in self.algorithms) and any(
            a in ASYMMETRIC_ALGORITHMS for a in self.algorithms
        ):
            # Mixing them invites the "HMAC signed with the public key" confusion.
            raise ValueError("do not mix HMAC and public-key JWT algorithms in one verifier")

    @classmethod
    def from_settings(
        cls,
        *,
        key: str,
        key_file: str,
        algorithms: Sequence[str],
        issuer: str,
        audience: str,
        leeway_s: float,
    ) -> JwtVerifier:
        secret: str | bytes = Path(key_file).read_bytes() if key_file else key
        if not secret:
            raise ValueError("JWT authentication needs a key (setting or key file)")
        return cls(secret, tuple(algorithms), issuer or None, audience or None, leeway_s)

    def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenError("malformed token") from None
        if header.get("alg") not in self.algorithms:
            raise TokenError(f"algorithm {header.get('alg')!r} is not allowed")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.key,
                algorithms=list(self.algorithms),
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway_s,
                options={"require": list(self.required_claims)},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("token expired") from None
        except jwt.InvalidSignatureError:
            raise TokenError("bad signature") from None
        except jwt.MissingRequiredClaimError as e:
            raise TokenError(f"missing claim {e.claim!r}") from None
        except jwt.PyJWTError as e:
            raise TokenError(type(e).__name__) from None
        return claims

    def user_id(self, token: str) -> int:
        """The verified ``sub`` claim as a user id: decimal digits only (:func:`turms.security.ids.parse_int64`)."""
        sub = self.verify(token)["sub"]
        try:
            return parse_int64(sub)
        except (TypeError, ValueError):
            raise TokenError("claim 'sub' is not a user id") from None
