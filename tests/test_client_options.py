"""The client options of issue 24 A, on the wire: ``session=``, ``verify=``, ``cert=``,
``proxies=``, ``headers=``, ``user_agent=``, ``event_hooks=`` and ``retry=``.

Every test that takes ``make_client`` runs with ``modehal.Client`` and ``modehal.AsyncClient``;
``session=`` is the blocking client's alone. TLS is tested against a loopback HTTPS server
whose certificates the ``openssl`` command makes for the test (skipped where it is missing).
"""

from __future__ import annotations

import base64
import json
import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

import modehal
from modehal._settings import Settings

from ._servers import Answer, Server, serve

OK: Answer = (200, {}, json.dumps({"token": "t", "_links": {}}).encode())
UA = f"modehal/{modehal.__version__}"
REPORT = "/api/a/reports/r"


def _basic(token: str = "t", secret: str = "s") -> str:
    return "Basic " + base64.b64encode(f"{token}:{secret}".encode()).decode()


def _headers(seen: Any) -> dict[str, str]:
    return {key.lower(): value for key, value in seen.headers.items()}


def scripted_statuses(
    *statuses: int, headers: dict[str, str] | None = None
) -> Callable[[str], Answer]:
    """Answers with ``statuses`` in turn, then 200 with a HAL document."""
    queue = list(statuses)

    def answer(target: str) -> Answer:
        if queue:
            return (queue.pop(0), headers or {}, b'{"message": "busy"}')
        return OK

    return answer


# -- checked in Settings ----------------------------------------------------------------


@pytest.mark.parametrize(
    "options, words",
    [
        ({"headers": {"Authorization": "Bearer x"}}, "Authorization is set by modehal"),
        ({"headers": {"host": "evil"}}, "host is set by modehal"),
        ({"headers": {"Content-Length": "3"}}, "Content-Length is set by modehal"),
        ({"headers": {"User-Agent": "x"}}, "user_agent="),
        ({"headers": {"X-Bad": "a\r\nInjected: 1"}}, "one line"),
        ({"headers": {"bad name": "x"}}, "not a header name"),
        ({"headers": ["X-A"]}, "must be a mapping"),
        ({"user_agent": "my app\n"}, "product tokens"),
        ({"verify": "/no/such/bundle.pem"}, "CA bundle that exists"),
        ({"verify": 1}, "CA bundle"),
        ({"cert": "/no/such/cert.pem"}, "client certificate"),
        ({"cert": ("a", "b", "c")}, "client certificate"),
        ({"proxies": {"https": "proxy:3128"}}, "proxy URL"),
        ({"proxies": "http://proxy"}, "mapping"),
        ({"event_hooks": {"request": print}}, "list of callables"),
        ({"event_hooks": {"sent": [print]}}, "'request' and 'response'"),
        ({"event_hooks": {"response": [1]}}, "cannot be called"),
        ({"retry": 3}, "must be a modehal.Retry"),
        ({"retry": modehal.Retry(), "max_retries": 1}, "not both"),
        ({"session": object()}, "requests.Session"),
    ],
)
def test_bad_options_are_refused_when_the_client_is_made(
    client_kind: str, options: dict[str, Any], words: str
) -> None:
    kind = modehal.Client if client_kind == "sync" else modehal.AsyncClient
    with pytest.raises(modehal.ConfigurationError, match=words.replace("(", r"\(")):
        kind("t", "s", account="a", **options)


def test_a_secret_in_a_header_or_a_proxy_is_not_in_any_repr() -> None:
    client = modehal.Client(
        "t",
        "s",
        account="a",
        headers={"X-Gateway-Key": "hunter2"},
        proxies={"https": "http://user:pw-hunter2@proxy.example:3128"},
    )
    with client:
        assert "hunter2" not in repr(client) and "hunter2" not in repr(client.settings)
    with pytest.raises(modehal.ConfigurationError) as caught:
        modehal.Client("t", "s", headers={"X-Key": "hunter2\n"})
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"max_retries": -1}, "0 or more"),
        ({"backoff": float("nan")}, "backoff must be seconds"),
        ({"max_backoff": 1e9}, "max_backoff must be seconds"),
        ({"backoff": 2.0, "max_backoff": 1.0}, "less than backoff"),
        ({"statuses": frozenset({200})}, "from 400 to 599"),
        ({"statuses": "503"}, "from 400 to 599"),
        ({"max_retry_after": -1}, "max_retry_after must be seconds"),
    ],
)
def test_a_bad_retry_policy_is_refused_when_made(fields: dict[str, Any], words: str) -> None:
    with pytest.raises(modehal.ConfigurationError, match=words):
        modehal.Retry(**fields)


def test_retry_and_its_shorthand() -> None:
    policy = modehal.Retry(max_retries=5, statuses={500, 503})  # type: ignore[arg-type]
    assert policy.statuses == frozenset({500, 503})  # any iterable, kept frozen
    with modehal.Client("t", "s", account="a", retry=policy) as client:
        assert client.max_retries == 5 and client.retry is policy
        fewer = client.with_options(max_retries=1)
        assert fewer.retry == modehal.Retry(max_retries=1, statuses=frozenset({500, 503}))
        other = client.with_options(retry=modehal.Retry(backoff=0.1))
        assert other.max_retries == 2 and other.retry.backoff == 0.1
        with pytest.raises(modehal.ConfigurationError, match="not both"):
            client.with_options(retry=policy, max_retries=1)
    with modehal.Client("t", "s", account="a", max_retries=0) as client:
        assert client.retry == modehal.Retry(max_retries=0)


def test_the_environment_is_read_by_settings_unless_given_or_the_session_says_no(
    tmp_path: Path,
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    environ = {
        "REQUESTS_CA_BUNDLE": str(bundle),
        "HTTPS_PROXY": "http://env-proxy:3128",
        "http_proxy": "http://lower:3128",
        "HTTP_PROXY": "http://upper:3128",
        "NO_PROXY": "internal.example",
    }
    settings = Settings.resolve("t", "s", environ=environ)
    assert settings.verify == str(bundle)
    assert settings.proxy_map == {"https": "http://env-proxy:3128", "http": "http://lower:3128"}
    assert settings.no_proxy == "internal.example"
    given = Settings.resolve(
        "t", "s", environ=environ, verify=False, proxies={"https": "http://mine:1"}
    )
    assert given.verify is False and given.proxy_map["https"] == "http://mine:1"
    session = requests.Session()
    session.trust_env = False
    assert Settings.resolve("t", "s", environ=environ, session=session).proxy_map == {}
    assert Settings.resolve("t", "s", environ=environ, session=session).verify is True
    session.verify = False
    assert Settings.resolve("t", "s", environ={}, session=session).verify is False


def test_async_client_refuses_a_session() -> None:
    with pytest.raises(modehal.ConfigurationError, match="only modehal.Client"):
        modehal.AsyncClient("t", "s", session=requests.Session())


# -- headers and User-Agent ---------------------------------------------------------------


def test_default_user_agent(make_client: Any, wire_server: Callable[..., Server]) -> None:
    server = wire_server()
    make_client("t", "s", account="a", base_url=server.url).get(REPORT)
    assert _headers(server.seen[0])["user-agent"] == UA


def test_headers_and_user_agent_on_the_wire_only_to_mode(
    make_client: Any, wire_server: Callable[..., Server]
) -> None:
    mode, elsewhere = wire_server(), wire_server()
    client = make_client(
        "t",
        "s",
        account="a",
        base_url=mode.url,
        headers={"X-Team": "data", "Accept": "application/hal+json, */*"},
        user_agent="myapp/1.2",
    )
    client.get(REPORT)
    client.get(elsewhere.url + "/signed/file")
    sent = _headers(mode.seen[0])
    assert sent["x-team"] == "data" and sent["user-agent"] == f"myapp/1.2 {UA}"
    assert sent["authorization"] == _basic()
    other = _headers(elsewhere.seen[0])
    assert other["user-agent"] == f"myapp/1.2 {UA}"  # the product goes everywhere
    assert "x-team" not in other and "authorization" not in other  # a header may be a secret
    quiet = client.with_options(headers={}, user_agent="batch/2")
    quiet.get(REPORT)
    assert "x-team" not in _headers(mode.seen[1])
    assert _headers(mode.seen[1])["user-agent"] == f"batch/2 {UA}"


# -- event hooks ----------------------------------------------------------------------------


def test_hooks_see_every_attempt_with_credentials_redacted(
    make_client: Any, wire_server: Callable[..., Server], retry_waits: list[float]
) -> None:
    server = wire_server(scripted_statuses(503))
    requests_seen: list[modehal.RequestView] = []
    responses_seen: list[modehal.ResponseView] = []
    client = make_client(
        "t",
        "s",
        account="a",
        base_url=server.url,
        headers={"X-Team": "data"},
        event_hooks={"request": [requests_seen.append], "response": [responses_seen.append]},
    )
    client.get(REPORT)
    assert [view.attempt for view in requests_seen] == [1, 2]
    first = requests_seen[0]
    assert (first.method, first.url) == ("GET", server.url + REPORT)
    assert first.headers["authorization"] == "[redacted]"  # read case-insensitively
    assert first.headers["X-Team"] == "data" and first.headers["User-Agent"] == UA
    with pytest.raises(TypeError):
        first.headers["X-Team"] = "changed"  # type: ignore[index]
    assert [(view.status, view.attempt) for view in responses_seen] == [(503, 1), (200, 2)]
    assert responses_seen[1].request is requests_seen[1]
    assert responses_seen[1].headers["content-type"] == "application/hal+json"
    assert all(view.elapsed >= 0 for view in responses_seen)
    assert "Basic" not in repr(requests_seen) + repr(responses_seen)


def test_async_client_awaits_async_hooks(wire_server: Callable[..., Server]) -> None:
    import asyncio

    server = wire_server()
    seen: list[object] = []

    async def on_request(view: modehal.RequestView) -> None:
        await asyncio.sleep(0)
        seen.append(("request", view.attempt))

    def on_response(view: modehal.ResponseView) -> None:
        seen.append(("response", view.status))

    async def main() -> None:
        async with modehal.AsyncClient(
            "t",
            "s",
            account="a",
            base_url=server.url,
            event_hooks={"request": [on_request], "response": [on_response]},
        ) as client:
            await client.get(REPORT)

    asyncio.run(main())
    assert seen == [("request", 1), ("response", 200)]


class HookFailed(Exception):
    pass


@pytest.mark.parametrize("kind", ["request", "response"])
def test_a_hook_that_raises_stops_the_call_with_its_own_error(
    make_client: Any, wire_server: Callable[..., Server], kind: str
) -> None:
    server = wire_server(scripted_statuses(503))

    def broken(view: object) -> None:
        raise HookFailed("metrics backend down")

    client = make_client("t", "s", account="a", base_url=server.url, event_hooks={kind: [broken]})
    with pytest.raises(HookFailed):
        client.get(REPORT)
    # not retried: the hook's error is the caller's, not a server's
    assert len(server.seen) == (0 if kind == "request" else 1)


# -- the retry policy -----------------------------------------------------------------------


def test_retry_statuses_are_honoured_but_a_post_is_never_replayed(
    make_client: Any, wire_server: Callable[..., Server], retry_waits: list[float]
) -> None:
    server = wire_server(scripted_statuses(500, 500))
    client = make_client(
        "t",
        "s",
        account="a",
        base_url=server.url,
        retry=modehal.Retry(max_retries=3, statuses=frozenset({500})),
    )
    client.get(REPORT)  # a GET is retried on 500 now
    assert len(server.seen) == 3 and len(retry_waits) == 2
    server.answer = scripted_statuses(500)
    with pytest.raises(modehal.ServerError) as caught:
        client.report_runs.create("r")  # POST: it arrived, so never again
    assert caught.value.attempts == 1
    assert len(server.seen) == 4 and server.seen[-1].request_line.startswith("POST")
    default = make_client("t", "s", account="a", base_url=server.url, max_retries=3)
    server.answer = scripted_statuses(500)
    with pytest.raises(modehal.ServerError):
        default.get(REPORT)  # 500 is not among the default statuses
    assert len(server.seen) == 5


def test_backoff_bounds_are_honoured(
    make_client: Any, wire_server: Callable[..., Server], retry_waits: list[float]
) -> None:
    server = wire_server(scripted_statuses(503, 503, 503, 503, 503))
    policy = modehal.Retry(max_retries=5, backoff=0.2, max_backoff=0.5)
    make_client("t", "s", account="a", base_url=server.url, retry=policy).get(REPORT)
    assert len(retry_waits) == 5
    # jittered between half and all of 0.2, 0.4, then 0.5 (the cap) each time
    for wait, ceiling in zip(retry_waits, [0.2, 0.4, 0.5, 0.5, 0.5]):
        assert ceiling / 2 <= wait <= ceiling


def test_max_retry_after_is_honoured(
    make_client: Any, wire_server: Callable[..., Server], retry_waits: list[float]
) -> None:
    server = wire_server(scripted_statuses(429, headers={"Retry-After": "5"}))
    patient = make_client(
        "t", "s", account="a", base_url=server.url, retry=modehal.Retry(max_retry_after=10)
    )
    patient.get(REPORT)
    assert retry_waits == [5.0]
    server.answer = scripted_statuses(429, headers={"Retry-After": "5"})
    hasty = patient.with_options(retry=modehal.Retry(max_retry_after=2))
    with pytest.raises(modehal.RateLimited) as caught:
        hasty.get(REPORT)
    assert caught.value.retry_after == 5.0 and retry_waits == [5.0]  # raised at once


# -- proxies --------------------------------------------------------------------------------


def test_proxies_argument_sends_through_the_proxy(
    make_client: Any, wire_server: Callable[..., Server]
) -> None:
    proxy = wire_server()  # answers itself: what matters is that the request came to it
    client = make_client(
        "t",
        "s",
        account="a",
        base_url="http://mode.invalid",
        allow_insecure=True,
        proxies={"http": proxy.url},
    )
    client.get(REPORT)
    assert proxy.seen[0].request_line == f"GET http://mode.invalid{REPORT} HTTP/1.1"


def test_no_proxy_goes_direct(make_client: Any, wire_server: Callable[..., Server]) -> None:
    proxy, mode = wire_server(), wire_server()
    proxies = {"http": proxy.url, "no_proxy": "localhost,127.0.0.0/8"}
    make_client("t", "s", account="a", base_url=mode.url, proxies=proxies).get(REPORT)
    assert proxy.seen == [] and len(mode.seen) == 1


def test_proxy_variables_still_apply(
    make_client: Any, wire_server: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = wire_server()
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    client = make_client("t", "s", account="a", base_url="http://mode.invalid", allow_insecure=True)
    client.get(REPORT)
    assert proxy.seen[0].request_line.startswith("GET http://mode.invalid/")


# -- a caller's requests.Session ------------------------------------------------------------


class CountingAdapter(HTTPAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self.sent.append(request.url)
        return super().send(request, *args, **kwargs)


def test_a_session_sends_through_its_adapters_and_keeps_its_secrets_home(
    wire_server: Callable[..., Server],
) -> None:
    mode, elsewhere = wire_server(), wire_server()
    session = requests.Session()
    adapter = CountingAdapter()
    session.mount(mode.url, adapter)
    session.auth = ("session-user", "session-password")
    session.cookies.set("sso", "cookie-secret")
    session.headers["X-Corp-Route"] = "eu"
    closed: list[bool] = []
    session.close = lambda: closed.append(True)  # type: ignore[method-assign]
    with modehal.Client("t", "s", account="a", base_url=mode.url, session=session) as client:
        assert "session=yes" in repr(client)
        client.get(REPORT)
        client.get(elsewhere.url + "/signed/file")
    assert adapter.sent == [mode.url + REPORT]
    home = _headers(mode.seen[0])
    assert home["authorization"] == _basic()  # modehal's credentials, not the session's auth
    assert home["x-corp-route"] == "eu" and home["user-agent"] == UA
    assert "cookie" not in home
    other = _headers(elsewhere.seen[0])
    assert not {"authorization", "cookie", "x-corp-route"} & other.keys()
    assert closed == []  # the caller's session is the caller's to close
    session.get(mode.url + "/still-open")  # and it still works
    assert len(adapter.sent) == 2


def test_a_session_s_proxies_and_trust_env_are_honoured(
    wire_server: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, env_proxy, mode = wire_server(), wire_server(), wire_server()
    session = requests.Session()
    session.proxies = {"http": proxy.url}
    with modehal.Client(
        "t", "s", account="a", base_url="http://mode.invalid", allow_insecure=True, session=session
    ) as client:
        client.get(REPORT)
    assert proxy.seen[0].request_line.startswith("GET http://mode.invalid/")
    monkeypatch.setenv("HTTP_PROXY", env_proxy.url)
    monkeypatch.delenv("http_proxy", raising=False)
    untrusting = requests.Session()
    untrusting.trust_env = False
    with modehal.Client("t", "s", account="a", base_url=mode.url, session=untrusting) as client:
        client.get(REPORT)
    assert env_proxy.seen == [] and len(mode.seen) == 1


# -- TLS: verify= and cert= -----------------------------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A self-signed server certificate for 127.0.0.1, and a client certificate and key."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make test certificates")
    folder = tmp_path_factory.mktemp("tls")
    paths: dict[str, str] = {}
    for name, subject, extra in (
        ("server", "/CN=127.0.0.1", ["-addext", "subjectAltName=IP:127.0.0.1"]),
        ("client", "/CN=modehal-test-client", []),
    ):
        cert, key = folder / f"{name}.pem", folder / f"{name}.key"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
            + ["-subj", subject, "-keyout", str(key), "-out", str(cert), *extra],
            check=True,
            capture_output=True,
        )
        paths[name], paths[f"{name}_key"] = str(cert), str(key)
    return paths


@pytest.fixture
def tls_server(certificates: dict[str, str]) -> Iterator[Callable[[bool], Server]]:
    """``tls_server(client_cert_required)``: a loopback HTTPS server with the test certificate."""
    from contextlib import ExitStack

    with ExitStack() as stack:

        def start(client_cert_required: bool = False) -> Server:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certificates["server"], certificates["server_key"])
            if client_cert_required:
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(certificates["client"])
            return stack.enter_context(serve(tls=context))

        yield start


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_verify_takes_a_ca_bundle(
    make_client: Any, tls_server: Callable[[bool], Server], certificates: dict[str, str]
) -> None:
    server = tls_server(False)
    with pytest.raises(modehal.TransportError):
        make_client("t", "s", account="a", base_url=server.url, max_retries=0).get(REPORT)
    trusted = make_client("t", "s", account="a", base_url=server.url, verify=certificates["server"])
    assert trusted.get(REPORT).data["token"] == "t"
    make_client("t", "s", account="a", base_url=server.url, verify=False).get(REPORT)
    assert len(server.seen) == 2


def test_the_ca_bundle_variable_still_applies(
    make_client: Any,
    tls_server: Callable[[bool], Server],
    certificates: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = tls_server(False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificates["server"])
    make_client("t", "s", account="a", base_url=server.url).get(REPORT)
    assert len(server.seen) == 1


def test_cert_presents_a_client_certificate(
    make_client: Any, tls_server: Callable[[bool], Server], certificates: dict[str, str]
) -> None:
    server = tls_server(True)
    options = {"account": "a", "base_url": server.url, "verify": certificates["server"]}
    with pytest.raises(modehal.TransportError):
        make_client("t", "s", max_retries=0, **options).get(REPORT)
    client = make_client(
        "t", "s", cert=(certificates["client"], certificates["client_key"]), **options
    )
    client.get(REPORT)
    assert len(server.seen) == 1


def test_a_session_s_verify_is_honoured(
    tls_server: Callable[[bool], Server], certificates: dict[str, str]
) -> None:
    server = tls_server(False)
    session = requests.Session()
    session.verify = certificates["server"]
    with modehal.Client("t", "s", account="a", base_url=server.url, session=session) as client:
        client.get(REPORT)
    assert len(server.seen) == 1


@pytest.mark.parametrize(
    "url, no_proxy, proxied",
    [
        ("https://app.mode.com/api", "", True),
        ("https://app.mode.com/api", "mode.com", False),  # a domain covers its subdomains
        ("https://app.mode.com/api", ".mode.com", False),
        ("https://notmode.com/api", "mode.com", True),
        ("https://app.mode.com/api", "*", False),
        ("http://10.1.2.3/api", "10.0.0.0/8", False),
        ("http://11.1.2.3/api", "10.0.0.0/8", True),
        ("http://[::1]:8080/api", "::1", False),
        ("http://mode.internal:8080/api", "mode.internal:8080", False),
        ("http://mode.internal:9090/api", "mode.internal:8080", True),
    ],
)
def test_which_urls_go_through_the_proxy(url: str, no_proxy: str, proxied: bool) -> None:
    from modehal._proxies import proxy_for

    proxies = {"all": "http://proxy:3128"}
    assert (proxy_for(url, proxies, no_proxy) is not None) is proxied


def test_the_most_specific_proxy_key_wins() -> None:
    from modehal._proxies import proxy_for

    proxies = {"all": "http://a:1", "https": "http://b:1", "https://app.mode.com": "http://c:1"}
    assert proxy_for("https://app.mode.com/x", proxies, None) == "http://c:1"
    assert proxy_for("https://other.example/x", proxies, None) == "http://b:1"
    assert proxy_for("http://other.example/x", proxies, None) == "http://a:1"


def test_the_blocking_client_refuses_a_coroutine_hook() -> None:
    async def hook(view: object) -> None:
        pass

    with pytest.raises(modehal.ConfigurationError, match="plain functions"):
        modehal.Client("t", "s", account="a", event_hooks={"response": [hook]})
    with modehal.Client("t", "s", account="a") as client:
        with pytest.raises(modehal.ConfigurationError, match="plain functions"):
            client.with_options(event_hooks={"request": [hook]})
