"""Password hashing and JWT verification."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from turms.security.passwords import hash_password, verify_password, verify_password_async
from turms.security.tokens import JwtVerifier, TokenError

KEY = "k" * 32


def test_hash_is_salted_and_verifies() -> None:
    a, b = hash_password("123", log2_n=10), hash_password("123", log2_n=10)
    assert a != b
    assert a.startswith("scrypt$10$8$1$")
    assert verify_password("123", a)
    assert not verify_password("1234", a)


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$99$8$1$AA$AA", "bcrypt$1$2$3$4$5", "scrypt$x$8$1$A$A"])
def test_malformed_hashes_never_verify(stored: str) -> None:
    assert not verify_password("x", stored)


async def test_verify_runs_off_the_loop() -> None:
    stored = hash_password("pw", log2_n=10)
    assert await verify_password_async("pw", stored)
    assert not await verify_password_async("nope", stored)


def _token(claims: dict[str, object], key: str = KEY, alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


def test_valid_token() -> None:
    v = JwtVerifier(KEY, issuer="me", audience="app", leeway_s=5)
    tok = _token({"sub": "42", "exp": int(time.time()) + 60, "iss": "me", "aud": "app"})
    assert v.user_id(tok) == 42


@pytest.mark.parametrize(
    ("claims", "key", "message"),
    [
        ({"sub": "1", "exp": -100}, KEY, "expired"),
        ({"sub": "1", "exp": 60}, "w" * 32, "signature"),
        ({"sub": "1"}, KEY, "exp"),
        ({"exp": 60}, KEY, "sub"),
        ({"sub": "abc", "exp": 60}, KEY, "user id"),
    ],
)
def test_refused_tokens(claims: dict[str, object], key: str, message: str) -> None:
    # "exp" is given relative to now, computed when the test runs (not when it is collected).
    absolute = {k: (int(time.time()) + v if k == "exp" and isinstance(v, int) else v) for k, v in claims.items()}
    with pytest.raises(TokenError, match=message):
        JwtVerifier(KEY).user_id(_token(absolute, key))


def test_alg_none_and_unlisted_algorithms_are_refused() -> None:
    unsigned = jwt.encode({"sub": "1", "exp": int(time.time()) + 60}, None, algorithm="none")  # type: ignore[arg-type]
    with pytest.raises(TokenError, match="not allowed"):
        JwtVerifier(KEY).verify(unsigned)
    with pytest.raises(TokenError, match="not allowed"):
        JwtVerifier(KEY).verify(_token({"sub": "1", "exp": int(time.time()) + 60}, "q" * 64, alg="HS512"))
    with pytest.raises(TokenError, match="malformed"):
        JwtVerifier(KEY).verify("not.a.token")


def test_wrong_issuer_or_audience() -> None:
    v = JwtVerifier(KEY, issuer="me", audience="app")
    exp = int(time.time()) + 60
    with pytest.raises(TokenError):
        v.verify(_token({"sub": "1", "exp": exp, "iss": "other", "aud": "app"}))
    with pytest.raises(TokenError):
        v.verify(_token({"sub": "1", "exp": exp, "iss": "me", "aud": "other"}))


def test_hmac_with_public_key_confusion_is_impossible() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValueError, match="mix"):
        JwtVerifier(public_pem, algorithms=("RS256", "HS256"))
    v = JwtVerifier(public_pem, algorithms=("RS256",))
    good = jwt.encode({"sub": "5", "exp": int(time.time()) + 60}, private, algorithm="RS256")
    assert v.user_id(good) == 5
    forged = jwt.encode({"sub": "5", "exp": int(time.time()) + 60}, "x" * 32, algorithm="HS256")
    with pytest.raises(TokenError, match="not allowed"):
        v.verify(forged)


@pytest.mark.parametrize("sub", [" 7", "7 ", "1_000", "\u0665", "+7", "7.0", "0x7", "", "9" * 20, "7\n"])
def test_a_jwt_subject_is_an_ascii_decimal_user_id(sub: str) -> None:
    """Issue 22: ``int()`` took " 7 ", "1_000" and an Arabic-Indic five as the user id of a token."""
    verifier = JwtVerifier(KEY)
    with pytest.raises(TokenError, match="not a user id"):
        verifier.user_id(_token({"sub": sub, "exp": int(time.time()) + 60}))
    assert verifier.user_id(_token({"sub": "-7", "exp": int(time.time()) + 60})) == -7
