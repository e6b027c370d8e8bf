"""Bearer-token rules: the contract's sample token is accepted, every bad kind refused by name."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from replay.mock.auth import TokenVerifier, load_public_key
from replay.mock.config import MockConfig, MockConfigError
from replay.mock.process import start_mock

from .mock_helpers import CALL_CENTER, ORG_ID, message, post_message, unique_key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(claims: dict, alg: str = "none") -> str:
    header = _b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def test_token_built_like_the_contract_sample_is_accepted(mock, token):
    answer = post_message(mock.url, unique_key(), message(), token())
    assert answer.status == 202
    assert answer.json == {"result": "Accepted"}


def test_token_with_aud_is_accepted(mock, token):
    answer = post_message(mock.url, unique_key(), message(),
                          token(aud="https://scrt.salesforce.com"))
    assert answer.status == 202


def test_token_without_jti_is_accepted(mock, token):
    assert post_message(mock.url, unique_key(), message(), token(jti=None)).status == 202


def test_one_token_may_be_reused_by_default(mock, token):
    reused = token()
    key = unique_key()
    for number in range(3):
        assert post_message(mock.url, key, message(f"m-{number}"), reused).status == 202


def test_certificate_verifies_like_the_public_key(keys, token):
    with start_mock(["--certificate", str(keys.certificate_pem)]) as running:
        assert post_message(running.url, unique_key(), message(), token()).status == 202


def test_missing_authorization_header_is_refused(mock):
    answer = post_message(mock.url, unique_key(), message())
    assert answer.status == 401
    assert answer.error == "MISSING_AUTHORIZATION"
    assert answer.headers["www-authenticate"] == "Bearer"


BAD_TOKENS = [
    ("not_bearer", lambda mint, keys: ("Basic " + mint(),), "MALFORMED_AUTHORIZATION"),
    ("not_a_jwt", lambda mint, keys: ("Bearer not.a-jwt",), "MALFORMED_TOKEN"),
    ("garbage", lambda mint, keys: ("Bearer %%%",), "MALFORMED_TOKEN"),
    ("alg_none", lambda mint, keys: ("Bearer " + _unsigned(
        {"iss": ORG_ID, "sub": CALL_CENTER, "iat": 1, "exp": 2 ** 40}),), "ALG_NOT_ALLOWED"),
    ("hs256_keyed_with_public_key", lambda mint, keys: ("Bearer " + _hs256_with_public_key(keys),),
     "ALG_NOT_ALLOWED"),
    ("wrong_key", lambda mint, keys: ("Bearer " + mint(key=keys.other_private_key),),
     "BAD_SIGNATURE"),
    ("tampered_claims", lambda mint, keys: ("Bearer " + _tampered(mint()),), "BAD_SIGNATURE"),
    ("expired", lambda mint, keys: ("Bearer " + mint(iat=int(time.time()) - 600,
                                                     exp=int(time.time()) - 60),),
     "TOKEN_EXPIRED"),
    ("issued_in_the_future", lambda mint, keys: ("Bearer " + mint(
        iat=int(time.time()) + 600, exp=int(time.time()) + 900),), "TOKEN_NOT_YET_VALID"),
    ("nbf_in_the_future", lambda mint, keys: ("Bearer " + mint(nbf=int(time.time()) + 600),),
     "TOKEN_NOT_YET_VALID"),
    ("missing_iss", lambda mint, keys: ("Bearer " + mint(iss=None),), "MISSING_CLAIM"),
    ("missing_sub", lambda mint, keys: ("Bearer " + mint(sub=None),), "MISSING_CLAIM"),
    ("missing_iat", lambda mint, keys: ("Bearer " + mint(iat=None),), "MISSING_CLAIM"),
    ("missing_exp", lambda mint, keys: ("Bearer " + mint(exp=None),), "MISSING_CLAIM"),
    ("lifetime_over_24h", lambda mint, keys: ("Bearer " + mint(
        iat=int(time.time()), exp=int(time.time()) + 86401),), "LIFETIME_TOO_LONG"),
    ("iat_not_a_number", lambda mint, keys: ("Bearer " + mint(iat="yesterday"),),
     "INVALID_CLAIM"),
]


def _hs256_with_public_key(keys) -> str:
    claims = {"iss": ORG_ID, "sub": CALL_CENTER, "iat": int(time.time()),
              "exp": int(time.time()) + 300}
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims).encode())
    import hashlib
    import hmac

    signature = hmac.new(keys.public_bytes(), f"{header}.{payload}".encode(),
                         hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "SomeoneElse"
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


@pytest.mark.parametrize(("kind", "make", "code"), BAD_TOKENS, ids=[row[0] for row in BAD_TOKENS])
def test_bad_token_is_refused_with_its_reason(mock, token, keys, kind, make, code):
    (authorization,) = make(token, keys)
    answer = post_message(mock.url, unique_key(), message(), Authorization=authorization)
    assert answer.status == 401, answer.raw
    assert answer.error == code
    assert answer.json["errors"][0]["field"] == "Authorization"
    assert answer.json["errors"][0]["message"]


def test_refusal_message_never_contains_the_token(mock, token):
    bad = token(exp=int(time.time()) - 1, iat=int(time.time()) - 100)
    answer = post_message(mock.url, unique_key(), message(), bad)
    assert answer.status == 401
    assert bad not in answer.raw.decode()
    assert bad.split(".")[2] not in answer.raw.decode()


@pytest.mark.parametrize(("option", "claim", "code"), [
    ("--org-id", "iss", "WRONG_ISSUER"),
    ("--call-center", "sub", "WRONG_SUBJECT"),
])
def test_expected_issuer_and_subject_are_enforced(keys, token, option, claim, code):
    expected = ORG_ID if claim == "iss" else CALL_CENTER
    with start_mock(["--public-key", str(keys.public_pem), option, expected]) as running:
        assert post_message(running.url, unique_key(), message(), token()).status == 202
        answer = post_message(running.url, unique_key(), message(), token(**{claim: "other"}))
        assert answer.status == 401
        assert answer.error == code


def test_reused_jti_is_refused_only_when_asked(keys, token):
    with start_mock(["--public-key", str(keys.public_pem), "--reject-reused-jti"]) as running:
        once = token()
        key = unique_key()
        assert post_message(running.url, key, message("m-1"), once).status == 202
        answer = post_message(running.url, key, message("m-2"), once)
        assert answer.status == 401
        assert answer.error == "REUSED_JTI"
        assert post_message(running.url, key, message("m-2"), token()).status == 202


# The cache, without a server.

def _verifier(keys, **options) -> TokenVerifier:
    config = MockConfig(public_key_pem=keys.public_bytes(), **options)
    return TokenVerifier.from_config(config)


def test_cached_token_is_refused_once_it_expires(keys, token, monkeypatch):
    verifier = _verifier(keys)
    now = time.time()
    header = f"Bearer {token(iat=int(now), exp=int(now) + 2)}".encode()
    assert verifier.check(header) is None
    assert verifier.check(header) is None
    monkeypatch.setattr(time, "time", lambda: now + 3)
    failure = verifier.check(header)
    assert failure is not None and failure[0] == "TOKEN_EXPIRED"


def test_cache_hit_skips_signature_verification(keys, token, monkeypatch):
    verifier = _verifier(keys)
    header = f"Bearer {token()}".encode()
    assert verifier.check(header) is None

    def fail(*args, **kwargs):
        raise AssertionError("verified again")

    monkeypatch.setattr(jwt, "decode", fail)
    assert verifier.check(header) is None


def test_leeway_accepts_a_token_expired_within_it(keys, token):
    verifier = _verifier(keys, leeway_s=120.0)
    now = int(time.time())
    assert verifier.check(f"Bearer {token(iat=now - 300, exp=now - 60)}".encode()) is None


def test_no_auth_needs_no_verifier():
    assert TokenVerifier.from_config(MockConfig(no_auth=True)) is None


def test_public_key_that_is_not_pem_is_a_config_error():
    with pytest.raises(MockConfigError, match="--public-key"):
        load_public_key(MockConfig(public_key_pem=b"-----BEGIN PUBLIC KEY-----\nxx\n"))


def test_requests_keep_working_after_many_bad_tokens(mock, token):
    for _ in range(20):
        post_message(mock.url, unique_key(), message(), Authorization="Bearer a.b.c")
    assert post_message(mock.url, unique_key(), message(), token()).status == 202
