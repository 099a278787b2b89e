"""Which proxy a URL goes through, decided as ``requests`` decides it, without I/O.

``proxies`` maps ``"https"``, ``"http"``, ``"all"`` or ``"scheme://host"`` (the most
specific wins) to a proxy URL; ``no_proxy`` lists hosts (``example.com`` covers its
subdomains, ``10.0.0.0/8`` a network, ``host:port`` one port, ``*`` everything) that go
direct. ``Settings`` builds both from the arguments, a session and the environment; both
transports ask ``proxy_for``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit


def proxy_for(url: str, proxies: Mapping[str, str], no_proxy: str | None) -> str | None:
    """The proxy URL ``url`` goes through, or None to go direct."""
    if not proxies:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if no_proxy and bypasses(host, parts.port, no_proxy):
        return None
    scheme = parts.scheme.lower()
    for key in (f"{scheme}://{host}", scheme, f"all://{host}", "all"):
        if key in proxies:
            return proxies[key] or None
    return None


def bypasses(host: str, port: int | None, no_proxy: str) -> bool:
    """Whether ``host`` (on ``port``) is one ``no_proxy`` lists."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for entry in (part.strip().lower() for part in no_proxy.replace(" ", ",").split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                pass
        name, _, entry_port = entry.partition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and entry_port != str(port):
            continue
        name = name.lstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False
