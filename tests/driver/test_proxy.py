"""Which proxy the replay uses: --proxy, HTTPS_PROXY/HTTP_PROXY/ALL_PROXY, NO_PROXY, loopback."""

from __future__ import annotations

import pytest

from replay.driver.proxy import Proxy, parse_proxy, proxy_for
from replay.errors import ConfigError

SFDC = "https://acme.my.salesforce-scrt.com"


@pytest.mark.parametrize(("origin", "environ", "expected"), [
    (SFDC, {"HTTPS_PROXY": "http://proxy:3128"}, "http://proxy:3128 (from HTTPS_PROXY)"),
    (SFDC, {"https_proxy": "proxy:8080"}, "http://proxy:8080 (from https_proxy)"),
    (SFDC, {"HTTP_PROXY": "http://proxy:3128"}, None),  # http proxy only for http hosts
    ("http://api.test", {"HTTP_PROXY": "http://p:1"}, "http://p:1 (from HTTP_PROXY)"),
    (SFDC, {"ALL_PROXY": "http://p:2"}, "http://p:2 (from ALL_PROXY)"),
    (SFDC, {"HTTPS_PROXY": "http://p:3", "NO_PROXY": ".salesforce-scrt.com"}, None),
    (SFDC, {"HTTPS_PROXY": "http://p:3", "no_proxy": "*"}, None),
    (SFDC, {"HTTPS_PROXY": "http://p:3", "NO_PROXY": "other.com"}, "http://p:3 (from HTTPS_PROXY)"),
    ("http://127.0.0.1:8080", {"HTTP_PROXY": "http://p:4"}, None),  # loopback: never
    ("http://localhost:8080", {"HTTP_PROXY": "http://p:4"}, None),
    (SFDC, {}, None),
])  # fmt: skip
def test_the_environment_decides_the_proxy_unless_no_proxy_or_loopback(origin, environ, expected):
    proxy = proxy_for(origin, option="", environ=environ)
    assert (proxy.shown if proxy else None) == expected


def test_the_proxy_option_wins_even_for_loopback_and_no_proxy_hosts():
    environ = {"HTTPS_PROXY": "http://env:1", "NO_PROXY": "*"}
    proxy = proxy_for("http://127.0.0.1:9", option="http://u:p%40ss@opt:3128", environ=environ)
    assert proxy.shown == "http://opt:3128 (from --proxy)"
    assert (proxy.user, proxy.password) == ("u", "p@ss")


def test_credentials_become_basic_proxy_authorization_and_stay_out_of_repr():
    proxy = parse_proxy("http://user:secret@proxy:3128", "--proxy")
    assert proxy.basic_auth() == "Basic dXNlcjpzZWNyZXQ="
    assert "secret" not in repr(proxy) and "secret" not in proxy.shown
    assert Proxy(host="p", port=1, source="x").basic_auth() is None


@pytest.mark.parametrize("url", ["https://user:secret@proxy:3128", "socks5://proxy:1080",
                                 "http://user:secret@proxy:notaport"])
def test_an_unsupported_proxy_url_is_refused_without_showing_its_password(url):
    with pytest.raises(ConfigError) as error:
        parse_proxy(url, "HTTPS_PROXY")
    assert "secret" not in str(error.value)
    assert str(error.value).startswith("HTTPS_PROXY '")
    assert "expected an http:// proxy URL such as http://proxy:3128" in str(error.value)
