"""Which HTTP proxy, if any, the replay's requests to an origin go through.

    proxy = proxy_for("https://x.my.salesforce-scrt.com", option="", environ=os.environ)
    proxy.host, proxy.port, proxy.basic_auth()   # None when requests go direct
    proxy.shown        # "http://proxy:3128 (from HTTPS_PROXY)": never the password

`--proxy URL` wins; otherwise the environment, as curl and most HTTP clients read it:
HTTPS_PROXY for an https host, HTTP_PROXY for an http one (either case; ALL_PROXY as a
fallback), except hosts that NO_PROXY lists (comma-separated names, domain suffixes, `*`).
Loopback hosts (127.0.0.1, ::1, localhost) never use an environment proxy (a proxy cannot
reach the replay's own machine's loopback); `--proxy` applies to them too.

Only http:// proxy URLs are supported (the usual corporate proxy): https hosts are reached
through a CONNECT tunnel, with TLS from the replay to the host, certificates checked end to end;
http hosts with absolute-form requests. Credentials come from the URL
(`http://user:password@proxy:3128`, percent-encoded) and are sent as Basic
Proxy-Authorization; they never appear in a log, an error or summary.json.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit
from urllib.request import proxy_bypass_environment

from replay.errors import ConfigError

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True, kw_only=True)
class Proxy:
    host: str
    port: int
    source: str  # "--proxy" or the environment variable it came from
    user: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The proxy's URL without credentials (for logs and summary.json)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def shown(self) -> str:
        return f"{self.url} (from {self.source})"

    def basic_auth(self) -> str | None:
        """The Proxy-Authorization value, or None without credentials."""
        if self.user is None and self.password is None:
            return None
        raw = f"{self.user or ''}:{self.password or ''}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")


def parse_proxy(url: str, source: str) -> Proxy:
    """An http:// proxy URL -> Proxy; ConfigError naming `source` when it is not one."""
    text = url.strip()
    if "://" not in text:
        text = "http://" + text  # HTTP_PROXY=proxy:3128 is common
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme != "http" or not parts.hostname or port == -1:
        shown = _without_credentials(url)
        raise ConfigError(
            f"{source} {shown!r}: expected an http:// proxy URL such as http://proxy:3128 or "
            "http://user:password@proxy:3128 (https:// proxies are not supported)"
        )
    return Proxy(host=parts.hostname, port=port or 80, source=source,
                 user=unquote(parts.username) if parts.username is not None else None,
                 password=unquote(parts.password) if parts.password is not None else None)


def proxy_for(origin: str, *, option: str | None,
              environ: Mapping[str, str] | None = None) -> Proxy | None:
    """The proxy for requests to `origin` (scheme://host[:port]), or None to go direct."""
    if option:
        return parse_proxy(option, "--proxy")
    environ = os.environ if environ is None else environ
    parts = urlsplit(origin)
    host = parts.hostname or ""
    if host in LOOPBACK:
        return None
    names = (("HTTPS_PROXY", "https_proxy") if parts.scheme == "https"
             else ("HTTP_PROXY", "http_proxy")) + ("ALL_PROXY", "all_proxy")
    for name in names:
        value = environ.get(name)
        if value:
            no_proxy = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
            if no_proxy and _bypassed(parts.netloc, no_proxy):
                return None
            return parse_proxy(value, name)
    return None


def _bypassed(netloc: str, no_proxy: str) -> bool:
    """NO_PROXY rules as urllib applies them (names, .domain suffixes, host:port, `*`)."""
    host = netloc.rsplit("@", 1)[-1]
    return bool(proxy_bypass_environment(host, {"no": no_proxy}))


def _without_credentials(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    _, at, host = rest.rpartition("@")
    shown = host if at else rest
    return f"{scheme}{sep}{shown}" if sep else shown
