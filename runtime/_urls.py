"""URLs: checking the base URL, telling origins apart, and resolving a server's hrefs."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import SplitResult, quote, urlsplit

from requests.utils import requote_uri

from ._errors import ConfigurationError, LinkError

DEFAULT_BASE_URL = "https://app.mode.com"
# Characters an href may carry as they are; anything else is percent-encoded. Brackets stay:
# `?embed[report_runs][executed_by]=1` is sent byte for byte (docs README item 11).
_URL_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)


def origin(url: str) -> str:
    """``scheme://host:port`` with the default port filled in; ValueError if malformed."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_http(url: str) -> SplitResult:
    """``url`` split in parts, or ValueError if it is not an http(s) URL with a valid host and port."""
    parts = urlsplit(url)
    parts.port  # noqa: B018 - raises ValueError on a malformed port
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL")
    return parts


def check_base_url(base_url: str, *, allow_insecure: bool) -> str:
    """The base URL without a trailing slash, or ``ConfigurationError`` saying what is wrong."""
    try:
        parts = split_http(base_url)
    except ValueError as exc:
        raise ConfigurationError(
            f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL}: {exc}"
        ) from None
    assert parts.hostname is not None  # split_http checked it
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(
            "base_url must not carry credentials: pass token= and secret= instead"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"base_url must not have a query or fragment, got {base_url!r}")
    if parts.scheme == "http" and not allow_insecure and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"refusing to send credentials over plain http to {parts.hostname}: use https, or pass "
            "allow_insecure=True if you really mean it"
        )
    return base_url.rstrip("/")


def resolve(
    base_url: str, href: str, variables: Mapping[str, str] | None = None, *, rel: str | None = None
) -> str:
    """An absolute URL for a server's ``href``.

    Host-relative hrefs (``/api/hogwarts/...``) resolve against ``base_url``: when it has a
    path prefix (a proxy at ``https://host/mode``), hrefs are taken to be below it unless
    they already start with it. ``{name}`` placeholders listed in ``variables`` are filled
    in (the Discovery API's next_page href holds a literal ``{account}``, docs README item 5).
    """
    what = f"link {rel!r} " if rel else ""
    if not href or not href.strip():
        raise LinkError(f"{what}has an empty href", rel=rel)
    if variables and "{" in href:
        for name, value in variables.items():
            href = href.replace("{" + name + "}", quote(value, safe=""))
    if href.startswith(("http://", "https://")):
        url = href
    elif href.startswith("/") and not href.startswith("//"):
        base = urlsplit(base_url)
        prefix = base.path.rstrip("/")
        below = (
            href if not prefix or href == prefix or href.startswith(prefix + "/") else prefix + href
        )
        url = f"{base.scheme}://{base.netloc}{below}"
    else:
        raise LinkError(f"{what}href {href!r} is neither a URL nor a host-relative path", rel=rel)
    try:
        origin(url)
    except ValueError as exc:
        raise LinkError(f"{what}href {href!r} is not a valid URL: {exc}", rel=rel) from None
    if not _URL_SAFE.issuperset(url):
        url = requote_uri(url)
    return url


def api_path(base_url: str, url: str) -> str:
    """The path of ``url`` below ``base_url``'s own path prefix, for matching routes."""
    path = urlsplit(url).path
    prefix = urlsplit(base_url).path.rstrip("/")
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        return path[len(prefix) :] or "/"
    return path
