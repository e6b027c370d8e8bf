"""Bearer tokens for the telephony API: RS256 JWTs, signed with a key loaded once.

    minter = TokenMinter(JwtSettings(key_path="keys/replay.pem", org_id="00D...", call_center="cc"))
    headers["Authorization"] = minter.authorization()      # --jwt-mode shared
    token, use_before = mint(key, settings, now=time.time())  # one token (per-request minters)

Two modes (`JwtSettings.mode`, --jwt-mode): `per-request` (the default) gives every request its
own token with a fresh jti, as Salesforce's own telephony clients do and as an org that checks
jti requires; those tokens are minted ahead of need in separate processes
(replay.driver.tokens, replay.minter). `shared` mints one token in this process and sends it
with every request until it is renewed (below).

The token (docs/contract.md, Authentication): header {"alg":"RS256","typ":"JWT"}; claims iss = org
id, sub = Call Center API name, iat, exp = iat + ttl (at most 24 h), a fresh uuid4 jti per
token, and aud when one is given. The PEM key is parsed once (parsing costs ~28 ms, signing with
the loaded key ~230 µs). A token is replaced once `renew_fraction` of its lifetime has passed,
so no request carries a token close to expiry. `clock_skew_s` back-dates iat (and with it exp)
for endpoints whose clock runs behind ours.

Secrets: neither the key nor a token is ever logged, put in an error message or shown by repr.
A key file that group or others may read gets a warning.
"""

from __future__ import annotations

import logging
import os
import stat
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import jwt
from cryptography.hazmat.primitives import serialization

from replay.errors import ConfigError

logger = logging.getLogger(__name__)

MAX_TTL_S = 24 * 3600
DEFAULT_TTL_S = 300.0
JWT_MODES = ("per-request", "shared")
DEFAULT_JWT_MODE = "per-request"
MIN_PER_REQUEST_TTL_S = 5.0  # tokens minted ahead of need must stay usable for a while
JWT_HEADER = {"alg": "RS256", "typ": "JWT"}


@dataclass(frozen=True, kw_only=True)
class JwtSettings:
    """What goes into each token; `key_path` names a PEM private key (RSA 2048 or 4096)."""

    key_path: str
    org_id: str
    call_center: str
    ttl_s: float = DEFAULT_TTL_S
    audience: str | None = None
    clock_skew_s: float = 0.0
    renew_fraction: float = 0.8
    mode: str = DEFAULT_JWT_MODE
    minters: int = 1
    prefill: int = 0  # per-request tokens signed before the run starts (--jwt-prefill)

    def __post_init__(self) -> None:
        if not 1 <= self.ttl_s <= MAX_TTL_S:
            raise ConfigError(
                f"--jwt-ttl must be between 1 and {MAX_TTL_S} seconds (24 h, the API's limit), "
                f"got {self.ttl_s:g}"
            )
        if not 0 <= self.clock_skew_s < self.ttl_s * self.renew_fraction / 2:
            raise ConfigError(
                f"--clock-skew must be 0 or more and less than "
                f"{self.ttl_s * self.renew_fraction / 2:g} seconds for --jwt-ttl {self.ttl_s:g}, "
                f"got {self.clock_skew_s:g}; raise --jwt-ttl"
            )
        if not self.org_id:
            raise ConfigError("--org-id is required to sign tokens (the JWT's iss claim)")
        if not self.call_center:
            raise ConfigError("--call-center is required to sign tokens (the JWT's sub claim)")
        if self.mode not in JWT_MODES:
            raise ConfigError(f"--jwt-mode must be per-request or shared, got {self.mode!r}")
        if self.mode == "per-request" and self.ttl_s < MIN_PER_REQUEST_TTL_S:
            raise ConfigError(
                f"--jwt-ttl must be at least {MIN_PER_REQUEST_TTL_S:g} seconds with --jwt-mode "
                f"per-request (tokens are minted ahead of need), got {self.ttl_s:g}"
            )
        if self.minters < 1:
            raise ConfigError(f"--jwt-minters must be at least 1, got {self.minters}")
        if self.prefill < 0:
            raise ConfigError(f"--jwt-prefill must be 0 or more, got {self.prefill}")


def load_private_key(path: str):
    """Parse a PEM private key once. Errors name the file, never its content."""
    try:
        with open(path, "rb") as handle:
            pem = handle.read()
    except OSError as error:
        raise ConfigError(
            f"--jwt-key {path}: cannot read the private key ({error.strerror})"
        ) from None
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise ConfigError(
            f"--jwt-key {path}: not an unencrypted PEM private key (expected a file starting "
            "'-----BEGIN PRIVATE KEY-----' or '-----BEGIN RSA PRIVATE KEY-----')"
        ) from None
    if getattr(key, "key_size", 0) < 2048 or not hasattr(key, "public_key"):
        raise ConfigError(f"--jwt-key {path}: RS256 needs an RSA key of 2048 bits or more")
    warn_if_readable_by_others(path)
    return key


def warn_if_readable_by_others(path: str) -> bool:
    """Log a warning (and return True) when group or others may read the key file."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        logger.warning(
            "private key %s is readable by group or others (mode %o): run chmod 600 %s",
            path, mode, path,
        )
        return True
    return False


@dataclass(kw_only=True, repr=False, eq=False)
class TokenMinter:
    """Mints and caches one token; `authorization()` returns the header value, renewed on time."""

    settings: JwtSettings
    clock: Callable[[], float] = time.time
    _key: object = field(init=False)
    _token: str = field(init=False, default="")
    _authorization: str = field(init=False, default="")
    _renew_at: float = field(init=False, default=float("-inf"))
    minted: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._key = load_private_key(self.settings.key_path)

    def __repr__(self) -> str:
        s = self.settings
        return (
            f"TokenMinter(iss={s.org_id!r}, sub={s.call_center!r}, ttl_s={s.ttl_s:g}, "
            "key=<hidden>)"
        )

    def authorization(self) -> str:
        """`Bearer <jwt>`, with a token that has at least (1 - renew_fraction) of its TTL left.

        The same string object until the token is renewed, so callers may cache what they
        build from it (`RequestBuilder.header_lines`)."""
        now = self.clock()
        if now >= self._renew_at:
            self._mint(now)
        return self._authorization

    def claims(self, now: float) -> dict:
        return claims(self.settings, now)

    def _mint(self, now: float) -> None:
        self._token, self._renew_at = mint(self._key, self.settings, now)
        self._authorization = f"Bearer {self._token}"
        self.minted += 1
        logger.debug("minted token %d, renewed after %s", self.minted, self._renew_at)


def claims(settings: JwtSettings, now: float) -> dict:
    """The claims of a token issued at `now` (epoch seconds), with a fresh uuid4 jti."""
    iat = int(now - settings.clock_skew_s)
    out = {"iss": settings.org_id, "sub": settings.call_center, "iat": iat,
           "exp": iat + int(settings.ttl_s), "jti": str(uuid.uuid4())}
    if settings.audience:
        out["aud"] = settings.audience
    return out


def mint(key: object, settings: JwtSettings, now: float) -> tuple[str, float]:
    """(token, use_before): a signed token, and the epoch second after which it is not sent
    (`renew_fraction` of its remaining lifetime from now), so no request carries it near expiry."""
    payload = claims(settings, now)
    token = jwt.encode(payload, key, algorithm="RS256", headers=JWT_HEADER)
    return token, now + (payload["exp"] - now) * settings.renew_fraction
