"""URLs: checking the base URL, telling origins apart, and resolving a server's hrefs."""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
from collections.abc import Mapping
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlencode, urlsplit

import requests
from requests.utils import requote_uri

from ._errors import ConfigurationError, LinkError

DEFAULT_BASE_URL = "https://app.mode.com"
# Characters an href may carry as they are; anything else is percent-encoded. Brackets stay:
# `?embed[report_runs][executed_by]=1` is sent byte for byte (docs README item 11).
_URL_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)

_STRAY_PERCENT = re.compile("%(?![0-9A-Fa-f]{2})")  # a % that starts no escape: sent as %25


def origin(url: str) -> str:
    """``scheme://host:port`` with the default port filled in; ValueError if malformed."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    host = (parts.hostname or "").lower()
    return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"


def same_origin(url: str, expected: str) -> bool:
    """Whether ``url`` is on the origin ``expected`` (as ``origin()`` gives it); a malformed
    URL is on none."""
    try:
        return origin(url) == expected
    except ValueError:
        return False


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Cloud metadata services answer on link-local addresses (169.254.169.254, fe80::/10) and on
# these: a link there would hand whatever they serve to whoever wrote the link.
_METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "fd00:ec2::254"})


@functools.lru_cache(maxsize=256)  # a client meets a handful of hosts, every call
def is_link_local(host: str) -> bool:
    """Whether ``host`` is a link-local or cloud-metadata address, in any spelling a socket
    accepts (``169.254.169.254``, ``2852039166``, ``0xa9fea9fe``, ``[fe80::1]``...)."""
    host = host.strip("[]").lower().rstrip(".")
    if host in _METADATA_HOSTS:
        return True
    try:
        address = ipaddress.ip_address(host.split("%")[0])  # fe80::1%eth0: a zone
    except ValueError:
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))  # the old short forms
        except OSError:
            return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_link_local or str(address) in _METADATA_HOSTS


def refused_link_local(host: str, base_url: str) -> bool:
    """Whether a link or redirect to ``host`` is refused: a link-local or metadata address,
    unless the base URL (or origin) ``base_url`` is on one itself."""
    return is_link_local(host) and not is_link_local(urlsplit(base_url).hostname or "")


def split_http(url: str) -> SplitResult:
    """``url`` split in parts, or ValueError if it is not an http(s) URL with a valid host and port."""
    parts = urlsplit(url)
    parts.port  # noqa: B018 - raises ValueError on a malformed port
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL")
    return parts


def check_base_url(base_url: str, *, allow_insecure: bool) -> str:
    """The base URL without a trailing slash, or ``ConfigurationError`` saying what is wrong."""
    if not isinstance(base_url, str) or any(c.isspace() or not c.isprintable() for c in base_url):
        raise ConfigurationError(
            f"base_url must be a URL without spaces or control characters, got {base_url!r}"
        )
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
    if "?" in base_url or "#" in base_url:
        raise ConfigurationError(f"base_url must not have a query or fragment, got {base_url!r}")
    if parts.scheme == "http" and not allow_insecure and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"refusing to send credentials over plain http to {parts.hostname}: use https, or pass "
            "allow_insecure=True (--allow-insecure on the command line) if you really mean it"
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
        url = as_sent(url)
        host = split_http(url).hostname or ""
    except ValueError as exc:
        raise LinkError(f"{what}href {href!r} is not a valid URL: {exc}", rel=rel) from None
    if refused_link_local(host, base_url):
        raise LinkError(
            f"{what}href {href!r} points at the link-local address {host}, where cloud "
            "metadata services answer: not followed",
            rel=rel,
        )
    return url


def as_sent(url: str) -> str:
    """``url`` as ``requests`` would send it: an international host in IDNA form, spaces,
    control characters and non-ASCII text of the path and query percent-encoded (brackets
    kept, docs README item 11). ``ValueError`` saying why for a URL that cannot be sent: a
    host with spaces or control characters, text that is no Unicode (``text_problem``)."""
    if _URL_SAFE.issuperset(url) and ("%" not in url or not _STRAY_PERCENT.search(url)):
        return url  # the usual case: nothing to encode
    problem = text_problem(url)
    if problem is not None:
        raise ValueError(problem)
    # The host as written: urlsplit would drop tabs and line breaks from it.
    scheme, separator, rest = url.partition("://")
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0] if separator else ""
    if not _URL_SAFE.issuperset(netloc):
        request = requests.PreparedRequest()  # requests' own reading of a host: IDNA, or refused
        try:
            request.prepare_url(f"{scheme}://{netloc}/", None)
        except (requests.RequestException, UnicodeError) as exc:
            raise ValueError(str(exc)) from None
        url = f"{scheme}://{urlsplit(str(request.url)).netloc}{rest[len(netloc):]}"
    return str(requote_uri(url))


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as text, or None: it holds a lone surrogate, which is what
    Python makes of bytes that are not UTF-8 (in a command line, a file name, a JSON escape)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"it holds {value[exc.start]!r}, a lone surrogate (bytes that were not UTF-8), "
            "which no URL or JSON body can carry"
        )
    return None


def segment_problem(value: str) -> str | None:
    """Why ``value`` cannot fill a path segment (a path argument, a template variable), or
    None. Besides ``text_problem``: a ``/``-separated part that is ``.`` or ``..``, as it is
    or once percent-decoded (``%2e%2E``, ``.%2e``, as often as it decodes), which a server
    would resolve to another resource than the one named."""
    problem = text_problem(value)
    if problem is not None:
        return problem
    decoded = value
    while True:
        if any(part in (".", "..") for part in decoded.split("/")):
            return (
                "would step out of the path it names ('.' and '..', percent-encoded or not, "
                "are not tokens)"
            )
        once = unquote(decoded) if "%" in decoded else decoded
        if once == decoded:
            return None
        decoded = once


def api_path(base_url: str, url: str) -> str:
    """The path of ``url`` below ``base_url``'s own path prefix, for matching routes."""
    path = urlsplit(url).path
    prefix = urlsplit(base_url).path.rstrip("/")
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        return path[len(prefix) :] or "/"
    return path


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` set in its query string (replacing any of the same name)."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return parts._replace(query=urlencode(kept + list(params.items()))).geturl()
