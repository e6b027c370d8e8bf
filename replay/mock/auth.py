"""Bearer-token checks for the mock: RS256 JWTs as Service Cloud Voice expects them, cached.

    verifier = TokenVerifier.from_config(config)
    failure = verifier.check(authorization_header_bytes_or_None)
    # None: the request may proceed; else (code, message) for a 401, e.g.
    # ("TOKEN_EXPIRED", "the token expired at 2026-11-25T17:00:00Z (exp); mint a new one")

Rules (docs/contract.md, Authentication): header `Authorization: Bearer <JWT>`; alg RS256 only (so
`alg: none` and an HS256 token "signed" with the public key are refused); claims iss, sub, iat,
exp required; exp at most 24 h after iat; iss and sub compared with --org-id / --call-center when
given; `aud` tolerated and not checked; a jti seen before refused with --reject-reused-jti.

PyJWT's RS256 verification costs about 43 µs, so a verified token is cached by its header bytes
with its exp; every hit re-checks exp (and the jti rule). Only tokens that verified are cached,
and the cache is bounded. Messages never contain the token or key material.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import NamedTuple

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from replay.mock.config import MockConfig, MockConfigError

MAX_LIFETIME_S = 24 * 3600
REQUIRED_CLAIMS = ("iss", "sub", "iat", "exp")
CACHE_LIMIT = 50_000

AuthFailure = tuple[str, str]


class _Verified(NamedTuple):
    exp: float
    jti: str | None


def load_public_key(config: MockConfig) -> RSAPublicKey:
    """The RSA public key from --public-key or --certificate; MockConfigError if unusable."""
    try:
        if config.certificate_pem is not None:
            key = x509.load_pem_x509_certificate(config.certificate_pem).public_key()
            option = "--certificate"
        else:
            key = load_pem_public_key(config.public_key_pem or b"")
            option = "--public-key"
    except ValueError:
        which = "--certificate" if config.certificate_pem is not None else "--public-key"
        raise MockConfigError(
            f"{which}: the PEM could not be loaded; give an RSA public key "
            "('BEGIN PUBLIC KEY') or an X.509 certificate ('BEGIN CERTIFICATE')"
        ) from None
    if not isinstance(key, RSAPublicKey):
        raise MockConfigError(f"{option}: the key is not an RSA key; RS256 needs RSA 2048 or 4096")
    return key


def _utc(seconds: float) -> str:
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(seconds)


class TokenVerifier:
    """Verifies bearer tokens against one RSA public key; keeps verified tokens in a cache."""

    def __init__(
        self,
        public_key: RSAPublicKey,
        *,
        org_id: str | None = None,
        call_center: str | None = None,
        reject_reused_jti: bool = False,
        leeway_s: float = 0.0,
    ) -> None:
        self._key = public_key
        self._org_id = org_id
        self._call_center = call_center
        self._reject_reused_jti = reject_reused_jti
        self._leeway = leeway_s
        self._cache: dict[bytes, _Verified] = {}
        self._seen_jti: dict[str, float] = {}
        self._last_header: bytes | None = None
        self._last_verified: _Verified | None = None

    @classmethod
    def from_config(cls, config: MockConfig) -> TokenVerifier | None:
        """None when --no-auth; else a verifier for the configured key."""
        if config.no_auth:
            return None
        return cls(
            load_public_key(config),
            org_id=config.org_id,
            call_center=config.call_center,
            reject_reused_jti=config.reject_reused_jti,
            leeway_s=config.leeway_s,
        )

    def reset(self) -> None:
        self._cache.clear()
        self._seen_jti.clear()
        self._last_header = self._last_verified = None

    def check(self, authorization: bytes | None) -> AuthFailure | None:
        """None if the header carries a valid token, else (code, message) for the 401."""
        if authorization is None:
            return ("MISSING_AUTHORIZATION", "no Authorization header; send 'Bearer <JWT>'")
        # Most clients send one token for many requests: comparing with the last header
        # (memcmp) is cheaper than hashing ~700 bytes for the cache lookup.
        if authorization == self._last_header:
            verified = self._last_verified
        else:
            verified = self._cache.get(authorization)
        now = time.time()
        if verified is None:
            outcome = self._verify(authorization, now)
            if not isinstance(outcome, _Verified):
                return outcome
            verified = outcome
            if len(self._cache) >= CACHE_LIMIT:
                self._prune(now)
            self._cache[authorization] = verified
        elif verified.exp <= now - self._leeway:
            self._cache.pop(authorization, None)
            self._last_header = self._last_verified = None
            return ("TOKEN_EXPIRED", f"the token expired at {_utc(verified.exp)} (exp); "
                                     "mint a new one")
        self._last_header, self._last_verified = authorization, verified
        if self._reject_reused_jti and verified.jti is not None:
            if verified.jti in self._seen_jti:
                return ("REUSED_JTI", "this token's jti was used before; mint a token with a "
                                      "fresh jti for each request")
            self._seen_jti[verified.jti] = verified.exp
        return None

    def _prune(self, now: float) -> None:
        horizon = now - self._leeway
        self._cache = {k: v for k, v in self._cache.items() if v.exp > horizon}
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._seen_jti = {k: exp for k, exp in self._seen_jti.items() if exp > horizon}

    def _verify(self, authorization: bytes, now: float) -> AuthFailure | _Verified:
        scheme, _, token_bytes = authorization.strip().partition(b" ")
        if scheme.lower() != b"bearer" or not token_bytes.strip():
            return ("MALFORMED_AUTHORIZATION",
                    "the Authorization header must be 'Bearer <JWT>'")
        try:
            token = token_bytes.strip().decode("ascii")
            header = jwt.get_unverified_header(token)
        except (UnicodeDecodeError, jwt.DecodeError):
            return ("MALFORMED_TOKEN", "the bearer token is not a JWT (three base64url parts)")
        alg = header.get("alg")
        if alg != "RS256":
            if isinstance(alg, str) and alg.lower() == "none":
                return ("ALG_NOT_ALLOWED", "alg 'none' (an unsigned token) is refused; "
                                           "sign with RS256")
            if isinstance(alg, str) and alg.startswith("HS"):
                return ("ALG_NOT_ALLOWED", f"alg {alg!r} is refused (an HMAC token, e.g. one "
                                           "keyed with the public key); sign with RS256")
            return ("ALG_NOT_ALLOWED", f"alg {str(alg)[:20]!r} is refused; sign with RS256")
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["RS256"],
                options={"require": list(REQUIRED_CLAIMS), "verify_aud": False},
                leeway=self._leeway,
            )
        except jwt.MissingRequiredClaimError as error:
            return ("MISSING_CLAIM", f"the token has no {error.claim!r} claim; "
                                     "iss, sub, iat and exp are required")
        except jwt.InvalidSignatureError:
            return ("BAD_SIGNATURE", "the signature does not verify with the configured public "
                                     "key; is the token signed with the matching private key?")
        except jwt.ExpiredSignatureError:
            return ("TOKEN_EXPIRED", "the token has expired (exp); mint a new one")
        except jwt.ImmatureSignatureError as error:
            return ("TOKEN_NOT_YET_VALID", f"{error}; check the client's clock")
        except jwt.DecodeError:
            return ("MALFORMED_TOKEN", "the token's header, claims or signature are not valid "
                                       "base64url JSON")
        except jwt.InvalidTokenError as error:
            return ("INVALID_CLAIM", f"a claim has the wrong type: {error}")
        return self._check_claims(claims)

    def _check_claims(self, claims: dict) -> AuthFailure | _Verified:
        iat, exp = claims["iat"], claims["exp"]
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            return ("INVALID_CLAIM", "exp must be a number of seconds since the epoch")
        if exp - iat > MAX_LIFETIME_S:
            return ("LIFETIME_TOO_LONG",
                    f"exp is {exp - iat:.0f} s after iat; at most 24 h (86400 s) is allowed")
        iss, sub = claims["iss"], claims["sub"]
        if self._org_id is not None and iss != self._org_id:
            return ("WRONG_ISSUER", f"iss {str(iss)[:40]!r} is not the expected org id "
                                    f"{self._org_id!r}")
        if not isinstance(sub, str) or (self._call_center is not None
                                        and sub != self._call_center):
            return ("WRONG_SUBJECT", f"sub {str(sub)[:80]!r} is not the expected Call Center "
                                     f"{self._call_center!r}")
        jti = claims.get("jti")
        return _Verified(exp=float(exp), jti=jti if isinstance(jti, str) else None)
