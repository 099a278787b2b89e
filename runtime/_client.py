"""``BaseClient``: configuration, credentials, and the one path every request takes.

A call goes in through a generated method (``client.report_runs.get``), which names its
``Endpoint`` and arguments; ``BaseClient`` builds the URL and headers, sends it through the
``Transport``, checks the status, and decodes the body into a resource. The generated
``modehal.Client`` adds one attribute per operation group on top.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urljoin, urlsplit

import requests
from requests.utils import requote_uri

from ._api import Api, Endpoint
from ._errors import ConfigurationError, DecodeError, InvalidParameter, LinkError, error_for_status
from ._hal import Resource, ResponseInfo
from ._pagination import Collection, Paginator, page_items
from ._registry import model_for_key, model_named, route_for_path
from ._transport import TimeoutValue, Transport
from ._version import __version__

M = TypeVar("M", bound=Resource[Any])

DEFAULT_BASE_URL = "https://app.mode.com"
_LOOPBACK_HOSTS = {"localhost", "::1"}
# Characters that may appear in a URL as they are; anything else in a server's href is
# percent-encoded by requests' requote_uri. Brackets stay: `?embed[report_runs][executed_by]=1`
# is sent byte for byte (docs README item 11).
_URL_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)


class BaseClient:
    """Everything a Mode client needs but its operation groups (see ``modehal.Client``)."""

    #: The APIs this client speaks; set by the generated ``Client`` from ``spec/apis.yaml``.
    apis: Sequence[Api] = ()

    def __init__(
        self,
        token: str | None = None,
        secret: str | None = None,
        *,
        account: str | None = None,
        base_url: str | None = None,
        discovery: tuple[str, str, str] | None = None,
        timeout: TimeoutValue = 30.0,
        allow_insecure: bool = False,
    ) -> None:
        env = os.environ
        self.account = account if account is not None else env.get("MODE_ACCOUNT") or None
        self.base_url = (base_url or env.get("MODE_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        self._origin = _origin(self.base_url)
        _check_base_url(self.base_url, allow_insecure)

        token = token if token is not None else env.get("MODE_TOKEN")
        secret = secret if secret is not None else env.get("MODE_SECRET")
        self._basic = _basic_header(token, secret) if token and secret else None
        if discovery is None:
            parts = [env.get(f"MODE_DISCOVERY_{name}") for name in ("ID", "ACCESS_KEY", "ACCESS_SECRET")]
            if all(parts):
                discovery = (parts[0] or "", parts[1] or "", parts[2] or "")
        self._bearer = _bearer_header(discovery) if discovery else None

        self._transport = Transport()
        self._user_agent = f"modehal/{__version__}"

    # -- what generated operations call -------------------------------------------------

    def fetch(
        self,
        endpoint: Endpoint,
        model: type[M],
        *,
        path: Mapping[str, str | None],
        query: Mapping[str, object] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> M:
        """Call ``endpoint`` and decode its body as one ``model``."""
        url = self._endpoint_url(endpoint, path, query)
        response = self._send(endpoint.method, url, endpoint.api, body)
        document = _decode_json(response, url)
        if not isinstance(document, dict):
            raise DecodeError(url, f"expected a JSON object, got a JSON {_json_kind(document)}")
        return model(document, client=self, url=url, response=_info(response, endpoint.method, url))

    def paginate(
        self,
        endpoint: Endpoint,
        model: type[M],
        *,
        key: str,
        path: Mapping[str, str | None],
        query: Mapping[str, object] | None = None,
    ) -> Paginator[M]:
        """Call ``endpoint`` and iterate the collection it answers, across every page."""
        url = self._endpoint_url(endpoint, path, query)
        response = self._send(endpoint.method, url, endpoint.api, None)
        document = _decode_json(response, url)
        variables = {"account": self._account_for(path)}
        return Paginator(
            self,
            model,
            key=key,
            api=endpoint.api,
            first_page=(url, document, _info(response, endpoint.method, url)),
            variables=variables,
        )

    def send(
        self,
        endpoint: Endpoint,
        *,
        path: Mapping[str, str | None],
        query: Mapping[str, object] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        """Call ``endpoint`` for its effect; the body, if any, is ignored."""
        url = self._endpoint_url(endpoint, path, query)
        self._send(endpoint.method, url, endpoint.api, body)

    # -- the generic navigator ----------------------------------------------------------

    def get(self, href: str) -> Resource[str]:
        """Fetch any HAL URL or host-relative href (``/api/hogwarts/reports/...``).

        The result is the generated model when the URL matches a documented GET operation, a
        ``Collection`` when the document is a list of resources, and a plain ``Resource``
        otherwise. Credentials go with it only if it is on the configured origin.
        """
        return self.follow_href(href)

    def follow_href(self, href: str, *, target: tuple[str, bool] | None = None, rel: str | None = None) -> Resource[str]:
        """``get()`` for a link: ``target`` is the spec's (model, is a collection) for ``rel``."""
        url = self.resolve(href, rel=rel)
        api = self.api_for_url(url)
        response = self._send("GET", url, api, None)
        document = _decode_json(response, url)
        info = _info(response, "GET", url)
        if target is None:
            target = route_for_path(urlsplit(url).path)
        model_name, is_collection = target if target is not None else (None, False)
        if isinstance(document, list) or is_collection or _looks_like_collection(document):
            item_model = model_named(model_name) if model_name else None
            key = item_model.plural if item_model is not None and item_model.plural else _items_key(document)
            data = document if isinstance(document, dict) else {"_embedded": {key or "items": document}}
            page_items(data, key, url)  # fail here, not mid-iteration, if it is not a collection
            return Collection(data, item_key=key, api=api, client=self, url=url, response=info)
        if not isinstance(document, dict):
            raise DecodeError(url, f"expected a JSON object, got a JSON {_json_kind(document)}")
        model = model_named(model_name) if model_name else _model_from_self(document)
        return model(document, client=self, url=url, response=info)

    def resolve(self, href: str, variables: Mapping[str, str] | None = None, *, rel: str | None = None) -> str:
        """An absolute URL for ``href``: host-relative hrefs resolve against ``base_url``."""
        what = f"link {rel!r} " if rel else ""
        if not href or not href.strip():
            raise LinkError(f"{what}has an empty href", rel=rel)
        if variables and "{" in href:
            # The Discovery API's next_page href holds a literal `{account}` (docs README item 5).
            for name, value in variables.items():
                href = href.replace("{" + name + "}", quote(value, safe=""))
        if href.startswith(("http://", "https://")):
            url = href
        elif href.startswith("/") and not href.startswith("//"):
            url = urljoin(self.base_url + "/", href)
        else:
            raise LinkError(f"{what}href {href!r} is neither a URL nor a host-relative path", rel=rel)
        if not _URL_SAFE.issuperset(url):
            url = requote_uri(url)
        return url

    def api_for_url(self, url: str) -> Api:
        """The API a URL belongs to, by its path prefix (``/batch`` → Discovery)."""
        path = urlsplit(url).path
        for api in self.apis:
            if path == api.base_path or path.startswith(api.base_path + "/"):
                return api
        for api in self.apis:
            if api.auth == "basic":
                return api
        raise ConfigurationError("this client declares no API to send requests to")

    def get_json(self, url: str, *, api: Api) -> tuple[object, ResponseInfo]:
        """GET an absolute URL and decode its JSON body (used to fetch further pages)."""
        response = self._send("GET", url, api, None)
        return _decode_json(response, url), _info(response, "GET", url)

    # -- one request ----------------------------------------------------------------------

    def _send(self, method: str, url: str, api: Api, body: Mapping[str, Any] | None) -> requests.Response:
        headers = {
            "User-Agent": self._user_agent,
            "Accept": api.accept,
            "Accept-Encoding": "gzip, deflate",
        }
        origin = _origin(url)
        # Credentials go only to the configured origin, never to a host a link points at.
        if origin == self._origin:
            headers["Authorization"] = self._authorization(api)
        payload = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            payload = json.dumps(body, separators=(",", ":")).encode()
        response = self._transport.send(
            method, url, origin=origin, headers=headers, body=payload, timeout=self.timeout
        )
        if response.status_code >= 400:
            raise error_for_status(response.status_code)(
                status=response.status_code,
                method=method,
                url=url,
                body=response.text,
                headers=response.headers,
            )
        return response

    def _authorization(self, api: Api) -> str:
        if api.auth == "bearer":
            if self._bearer is None:
                raise ConfigurationError(
                    f"the {api.name} API needs Discovery credentials: pass "
                    "discovery=(id, access_key, access_secret) or set MODE_DISCOVERY_ID, "
                    "MODE_DISCOVERY_ACCESS_KEY and MODE_DISCOVERY_ACCESS_SECRET"
                )
            return self._bearer
        if self._basic is None:
            raise ConfigurationError(
                f"the {api.name} API needs an API token and secret: pass token= and secret= "
                "or set MODE_TOKEN and MODE_SECRET"
            )
        return self._basic

    def _endpoint_url(
        self, endpoint: Endpoint, path: Mapping[str, str | None], query: Mapping[str, object] | None
    ) -> str:
        values: dict[str, str] = {}
        for name, value in path.items():
            if name == "account":
                value = self._account_for(path)
            if not isinstance(value, str) or not value:
                raise InvalidParameter(f"{endpoint.name}: {name} must be a non-empty string, got {value!r}")
            values[name] = quote(value, safe="")
        url = self.base_url + endpoint.api.base_path + endpoint.path.format_map(values)
        if query:
            pairs = [(name, value) for name, value in query.items() if value is not None]
            if pairs:
                url += "?" + urlencode(pairs)
        return url

    def _account_for(self, path: Mapping[str, str | None]) -> str:
        account = path.get("account") or self.account
        if not account:
            raise ConfigurationError("no account: pass account= or set MODE_ACCOUNT (or Client(account=...))")
        return account

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool."""
        self._transport.close()

    def __enter__(self) -> BaseClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        # Never the token, secret or Discovery keys: only which of them are configured.
        auth = [name for name, header in (("basic", self._basic), ("bearer", self._bearer)) if header]
        return (
            f"<modehal.Client base_url={self.base_url!r} account={self.account!r} "
            f"auth={'+'.join(auth) or 'none'}>"
        )


def _basic_header(token: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{token}:{secret}".encode()).decode("ascii")


def _bearer_header(discovery: tuple[str, str, str]) -> str:
    if len(discovery) != 3 or not all(isinstance(part, str) and part for part in discovery):
        raise ConfigurationError("discovery must be (id, access_key, access_secret), three non-empty strings")
    return "Bearer " + base64.b64encode(":".join(discovery).encode()).decode("ascii")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def _check_base_url(base_url: str, allow_insecure: bool) -> None:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL}, got {base_url!r}")
    host = parts.hostname
    if parts.scheme == "http" and not allow_insecure and host not in _LOOPBACK_HOSTS and not host.startswith("127."):
        raise ConfigurationError(
            f"refusing to send credentials over plain http to {host}: use https, or pass "
            "allow_insecure=True if you really mean it"
        )


def _decode_json(response: requests.Response, url: str) -> object:
    content = response.content
    if not content or not content.strip():
        raise DecodeError(url, f"empty body (status {response.status_code}) where a JSON document was expected")
    try:
        return json.loads(content)
    except ValueError as exc:
        kind = response.headers.get("Content-Type", "no content type")
        snippet = " ".join(content[:120].decode("utf-8", "replace").split())
        raise DecodeError(url, f"body is not JSON ({kind}; {exc}): {snippet!r}") from None


def _json_kind(document: object) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(document), "number")


def _info(response: requests.Response, method: str, url: str) -> ResponseInfo:
    return ResponseInfo(
        method=method,
        url=url,
        status=response.status_code,
        headers=response.headers,
        elapsed=response.elapsed.total_seconds(),
    )


def _looks_like_collection(document: object) -> bool:
    if not isinstance(document, dict):
        return False
    if "pagination" in document:
        return True
    embedded = document.get("_embedded")
    own_fields = [key for key in document if not key.startswith("_")]
    return isinstance(embedded, dict) and not own_fields and any(isinstance(v, list) for v in embedded.values())


def _items_key(document: object) -> str | None:
    if not isinstance(document, dict):
        return None
    embedded = document.get("_embedded")
    if isinstance(embedded, dict):
        keys = [key for key, value in embedded.items() if isinstance(value, list)]
        if len(keys) == 1:
            return str(keys[0])
    keys = [key for key, value in document.items() if isinstance(value, list) and not key.startswith("_")]
    return str(keys[0]) if len(keys) == 1 else None


def _model_from_self(document: Mapping[str, Any]) -> type[Resource[Any]]:
    """Best guess of a model for an unknown URL: by the path of its own ``self`` link."""
    links = document.get("_links")
    if isinstance(links, Mapping):
        own = links.get("self")
        href = own.get("href") if isinstance(own, Mapping) else None
        if isinstance(href, str):
            route = route_for_path(urlsplit(href).path)
            if route is not None and not route[1]:
                return model_named(route[0])
    return Resource
