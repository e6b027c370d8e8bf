"""Token minting: claims, renewal before expiry, clock skew, key checks, and no secret leaks."""

from __future__ import annotations

import logging
import os

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from replay.auth import JwtSettings, TokenMinter, warn_if_readable_by_others
from replay.errors import ConfigError


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def key_file(tmp_path, rsa_key):
    path = tmp_path / "replay.pem"
    path.write_bytes(
        rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    return path


class FakeClock:
    def __init__(self, now: float = 1_764_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def settings(key_file, **overrides) -> JwtSettings:
    values = dict(key_path=str(key_file), org_id="00DHs00000Kmpyr", call_center="replayCC",
                  mode="shared")
    return JwtSettings(**(values | overrides))


def decode(header: str, rsa_key, **options) -> dict:
    assert header.startswith("Bearer ")
    return jwt.decode(
        header.removeprefix("Bearer "), rsa_key.public_key(), algorithms=["RS256"],
        options={"verify_exp": False, "verify_iat": False, "verify_aud": False} | options,
    )


def test_token_carries_the_documented_header_and_claims(key_file, rsa_key):
    clock = FakeClock()
    header = TokenMinter(settings=settings(key_file, ttl_s=600), clock=clock).authorization()
    token = header.removeprefix("Bearer ")
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "typ": "JWT"}
    claims = decode(header, rsa_key)
    assert claims["iss"] == "00DHs00000Kmpyr"
    assert claims["sub"] == "replayCC"
    assert claims["iat"] == 1_764_000_000
    assert claims["exp"] == 1_764_000_600
    assert len(claims["jti"]) == 36
    assert "aud" not in claims


def test_audience_is_added_when_given(key_file, rsa_key):
    minter = TokenMinter(settings=settings(key_file, audience="https://scrt.salesforce.com"))
    assert decode(minter.authorization(), rsa_key)["aud"] == "https://scrt.salesforce.com"


def test_token_is_reused_until_the_renewal_point(key_file):
    clock = FakeClock()
    minter = TokenMinter(settings=settings(key_file, ttl_s=100), clock=clock)
    first = minter.authorization()
    clock.now += 79
    assert minter.authorization() is first  # the same object: callers cache what they build
    assert minter.minted == 1


def test_token_is_renewed_at_80_percent_of_its_life_with_a_fresh_jti(key_file, rsa_key):
    clock = FakeClock()
    minter = TokenMinter(settings=settings(key_file, ttl_s=100), clock=clock)
    first = minter.authorization()
    clock.now += 80
    second = minter.authorization()
    assert second != first
    assert decode(second, rsa_key)["jti"] != decode(first, rsa_key)["jti"]
    assert decode(second, rsa_key)["iat"] == 1_764_000_080
    assert minter.minted == 2


def test_every_token_handed_out_is_still_valid(key_file, rsa_key):
    clock = FakeClock(1_764_000_000.7)
    minter = TokenMinter(settings=settings(key_file, ttl_s=2), clock=clock)
    for _ in range(100):
        claims = decode(minter.authorization(), rsa_key)
        assert claims["exp"] - clock.now > 0.1
        clock.now += 0.13


def test_clock_skew_back_dates_iat_and_exp(key_file, rsa_key):
    minter = TokenMinter(settings=settings(key_file, ttl_s=300, clock_skew_s=30), clock=FakeClock())
    claims = decode(minter.authorization(), rsa_key)
    assert claims["iat"] == 1_764_000_000 - 30
    assert claims["exp"] == 1_764_000_000 - 30 + 300


TTL_RULE = "--jwt-ttl must be between 1 and 86400 seconds (24 h, the API's limit)"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (dict(ttl_s=0), f"{TTL_RULE}, got 0"),
        (dict(ttl_s=86401), f"{TTL_RULE}, got 86401"),
        (dict(ttl_s=10, clock_skew_s=5), "--clock-skew must be 0 or more and less than 4 seconds "
                                         "for --jwt-ttl 10, got 5; raise --jwt-ttl"),
        (dict(org_id=""), "--org-id is required to sign tokens (the JWT's iss claim)"),
        (dict(call_center=""), "--call-center is required to sign tokens (the JWT's sub claim)"),
        (dict(mode="each"), "--jwt-mode must be per-request or shared, got 'each'"),
        (dict(mode="per-request", ttl_s=3), "--jwt-ttl must be at least 5 seconds with --jwt-mode "
                                            "per-request (tokens are minted ahead of need), got 3"),
        (dict(minters=0), "--jwt-minters must be at least 1, got 0"),
    ],
)
def test_bad_settings_are_refused_with_the_option_named(key_file, overrides, message):
    with pytest.raises(ConfigError) as error:
        settings(key_file, **overrides)
    assert str(error.value) == message


def test_missing_key_file_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"--jwt-key .*nope.pem: cannot read the private key"):
        TokenMinter(settings=settings(tmp_path / "nope.pem"))


def test_a_file_that_is_not_a_key_is_refused_without_echoing_it(tmp_path):
    path = tmp_path / "notakey.pem"
    path.write_text("SECRET-LOOKING-TEXT")
    path.chmod(0o600)
    with pytest.raises(ConfigError) as error:
        TokenMinter(settings=settings(path))
    assert "not an unencrypted PEM private key" in str(error.value)
    assert "SECRET-LOOKING-TEXT" not in str(error.value)


def test_a_key_file_readable_by_others_gets_a_warning(key_file, caplog):
    os.chmod(key_file, 0o644)
    with caplog.at_level(logging.WARNING, logger="replay.auth"):
        TokenMinter(settings=settings(key_file))
    assert "readable by group or others (mode 644): run chmod 600" in caplog.text


def test_a_private_key_file_gets_no_warning(key_file):
    assert warn_if_readable_by_others(str(key_file)) is False


def test_neither_repr_nor_debug_logs_show_the_key_or_the_token(key_file, caplog):
    pem = key_file.read_text()
    key_body = pem.splitlines()[1]
    with caplog.at_level(logging.DEBUG):
        minter = TokenMinter(settings=settings(key_file, ttl_s=10))
        token = minter.authorization().removeprefix("Bearer ")
    for text in (repr(minter), str(minter), caplog.text):
        assert token not in text
        assert key_body not in text
    assert "key=<hidden>" in repr(minter)


def test_mint_gives_a_token_and_the_moment_after_which_it_is_not_sent(key_file, rsa_key):
    from replay.auth import load_private_key, mint

    token, use_before = mint(load_private_key(str(key_file)), settings(key_file, ttl_s=100),
                             now=1_764_000_000.5)
    claims = decode(f"Bearer {token}", rsa_key)
    assert (claims["iat"], claims["exp"]) == (1_764_000_000, 1_764_000_100)
    assert use_before == pytest.approx(1_764_000_000.5 + 99.5 * 0.8)
