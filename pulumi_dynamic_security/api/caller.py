"""`ApiCaller`: how every call to Dynamic's admin API is sent and read back.

The plumbing under `DynamicClient` (`api/client.py`), which adds one method per route: the
httpx client with the bearer token (revealed only in the auth flow), the User-Agent, the
retrying and budgeted transport (`api/transport.py`), answers read within `bounded_json`'s
bounds and turned into models or typed errors (`api/errors.py`), and the reconciliation of a
POST whose outcome is unknown: the caller lists what exists to learn whether it landed, so no
retry creates a duplicate (docs/apply.md#converge).

One caller may be shared by a thread pool: it holds no per-call state, httpx's connection
pool is thread-safe, and the budget is process-wide.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Generator
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from pulumi_dynamic_security._version import __version__
from pulumi_dynamic_security.api.budget import process_budget
from pulumi_dynamic_security.api.config import ClientConfig
from pulumi_dynamic_security.api.errors import (
    ApiError,
    InvalidRequestError,
    NotFoundError,
    error_fields,
    error_for_status,
    transport_error,
    unreadable_response,
)
from pulumi_dynamic_security.api.routes import Route
from pulumi_dynamic_security.api.transport import (
    ATTEMPTS,
    MAYBE_SENT,
    REPEATABLE,
    AnswerTooLarge,
    RetryTransport,
    read_answer,
)
from pulumi_dynamic_security.bounded_json import JsonLimitError, describe_size
from pulumi_dynamic_security.bounded_json import loads as bounded_loads
from pulumi_dynamic_security.redaction import Secret

logger = logging.getLogger("pulumi_dynamic_security.api")

USER_AGENT = f"pulumi-dynamic-security/{__version__}"
# Statuses after which a write may or may not have been committed.
_AMBIGUOUS_STATUSES = frozenset({500, 502, 503, 504})

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
_C = TypeVar("_C", bound="ApiCaller")


class _BearerToken(httpx.Auth):
    """Adds the token at send time, so it sits in no header map a repr could show."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request

    def __repr__(self) -> str:
        return "_BearerToken(***)"


class ApiCaller:
    """Sends route calls and reads their answers (see the module docstring)."""

    def __init__(
        self, config: ClientConfig, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._config = config
        inner = transport if transport is not None else _default_transport(config.base_url)
        budget = process_budget(config.max_requests_per_minute)
        self._http = httpx.Client(
            base_url=config.base_url,
            transport=RetryTransport(inner, config.retry, budget=budget),
            auth=_BearerToken(config.token),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=httpx.Timeout(
                config.read_timeout, connect=config.connect_timeout, pool=config.read_timeout
            ),
            # A redirect would be a misconfigured --api-url; following it could carry the
            # token to a host the user never named.
            follow_redirects=False,
        )
        self._host = httpx.URL(config.base_url).netloc.decode("ascii", "replace").split("@")[-1]

    @property
    def config(self) -> ClientConfig:
        return self._config

    def __repr__(self) -> str:
        name, config = type(self).__name__, self._config
        return f"{name}(base_url={config.base_url!r}, token={config.token!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- sending and reading ----------------------------------------------------------------------

    def _send(
        self,
        route: Route,
        *,
        body: object = None,
        expect: tuple[int, ...] = (200,),
        query: dict[str, str] | None = None,
        **params: str,
    ) -> httpx.Response:
        """Send one call (the transport retries what is safe); a typed error for a failure."""
        path = route.path(**params)
        request = self._http.build_request(
            route.method,
            path,  # httpx appends it to the base URL's path (/api/v0)
            json=body,
            params=query,
            extensions={REPEATABLE: True} if route.repeatable else {},
        )
        try:
            # Streamed, so that the body is read within a bound (`read_answer`).
            response = read_answer(self._http.send(request, stream=True))
        except httpx.TransportError as exc:
            raise transport_error(
                route,
                path,
                self._describe(exc),
                attempts=int(request.extensions.get(ATTEMPTS, 1)),
                outcome_unknown=not route.idempotent and isinstance(exc, MAYBE_SENT),
            ) from exc
        except AnswerTooLarge as exc:
            raise unreadable_response(
                route, request.url.path, exc.status, f"larger than {describe_size(exc.limit)}"
            ) from None
        if response.status_code in expect:
            return response
        code, detail = error_fields(response.content)
        raise error_for_status(
            route,
            path,
            response.status_code,
            code=code,
            detail=detail,
            attempts=int(request.extensions.get(ATTEMPTS, 1)),
            outcome_unknown=not route.idempotent
            and response.status_code in _AMBIGUOUS_STATUSES,
        )

    def _delete(self, route: Route, **params: str) -> None:
        try:
            self._send(route, expect=(200, 202, 204), query=None, **params)
        except NotFoundError as exc:
            # A DELETE retried after its answer was lost finds the thing already gone:
            # our own earlier attempt deleted it.
            if exc.attempts > 1:
                return
            raise

    def _reconciled_write(
        self,
        post: Callable[[], T],
        reconcile: Callable[[], T | None],
        *,
        what: str,
    ) -> T:
        """Run a non-idempotent write, learning its fate by listing whenever it is unknown.

        `reconcile` returns the result if the write turned out to have landed usably, or
        None to write again (after cleaning up what cannot be used, as for tokens).
        """
        policy = self._config.retry
        attempt = 1
        while True:
            try:
                return post()
            except InvalidRequestError as exc:
                # On a retry, "already exists" is our own earlier attempt, landed after all
                # (a listing can lag behind the write it follows).
                if attempt > 1 and exc.code == "duplicate_exists":
                    found = reconcile()
                    if found is not None:
                        return found
                raise
            except ApiError as exc:
                if not exc.outcome_unknown:
                    raise
                logger.debug("%s: outcome unknown (%s), checking what landed", what, exc.call)
                found = reconcile()
                if found is not None:
                    logger.debug("%s: the earlier attempt had landed", what)
                    return found
                if attempt >= policy.max_attempts:
                    raise
            delay = policy.backoff(attempt)
            logger.debug("%s: not there; writing again in %.2fs", what, delay)
            time.sleep(delay)
            attempt += 1

    def _describe(self, exc: httpx.TransportError) -> str:
        if isinstance(exc, httpx.ConnectTimeout):
            return f"timed out connecting to {self._host}"
        if isinstance(exc, httpx.ConnectError):
            return f"could not connect to {self._host} (connection refused or unreachable)"
        if isinstance(exc, httpx.PoolTimeout):
            return "timed out waiting for a free connection"
        if isinstance(exc, httpx.TimeoutException):
            return f"{self._host} did not answer in time"
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
            return f"the connection to {self._host} dropped before an answer"
        return f"the request to {self._host} failed ({type(exc).__name__})"

    def _json(self, route: Route, response: httpx.Response) -> Any:
        """The answer's JSON, read within `bounded_json`'s bounds on size and nesting."""
        try:
            return bounded_loads(response.content)
        except JsonLimitError as exc:
            problem = f"JSON that {exc}"
        except ValueError:
            problem = "not JSON"
        raise unreadable_response(route, response.request.url.path, response.status_code,
                                  problem)

    def _object(self, route: Route, response: httpx.Response, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise unreadable_response(
                route, response.request.url.path, response.status_code, "not a JSON object"
            )
        return data

    def _model(self, model: type[M], route: Route, response: httpx.Response, data: Any) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            # `from None`: pydantic's error quotes the input, which may hold a raw token.
            raise unreadable_response(
                route, response.request.url.path, response.status_code, _summary(exc)
            ) from None

    def _models(
        self, model: type[M], route: Route, response: httpx.Response, data: Any
    ) -> list[M]:
        if data is None:
            return []
        if not isinstance(data, list):
            raise unreadable_response(
                route, response.request.url.path, response.status_code, "expected a list"
            )
        return [self._model(model, route, response, item) for item in data]


# Connections kept open between requests: enough for `dynsec drift --concurrency 64` (httpx's
# default keeps 20, so a larger fan-out would open a new connection, and on https do a new
# TLS handshake, for most of its requests).
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=64)
_ssl_context: ssl.SSLContext | None = None
_ssl_lock = threading.Lock()


def _shared_ssl_context() -> ssl.SSLContext | bool:
    """httpx's default verifying TLS context, built once per process and shared (it is
    thread-safe): loading the CA bundle costs tens of milliseconds, which every client would
    pay again, and the Pulumi providers build a client per call."""
    global _ssl_context
    create = getattr(httpx, "create_ssl_context", None)
    if create is None:  # httpx < 0.28: let each transport build its own
        return True
    with _ssl_lock:
        if _ssl_context is None:
            _ssl_context = create()
        return _ssl_context


def _default_transport(base_url: str) -> httpx.BaseTransport:
    """httpx's own transport, honouring HTTP(S)_PROXY / NO_PROXY as httpx.Client would.

    (httpx ignores the proxy variables once a transport is given, and we always give one.)
    """
    url = httpx.URL(base_url)
    proxy = urllib.request.getproxies().get(url.scheme)
    verify = _shared_ssl_context()
    if proxy and not urllib.request.proxy_bypass(url.host):
        return httpx.HTTPTransport(proxy=proxy, verify=verify, limits=_LIMITS)
    return httpx.HTTPTransport(verify=verify, limits=_LIMITS)


def _summary(exc: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(part) for part in err['loc']) or 'body'}: {err['msg']}"
        for err in exc.errors(include_input=False, include_url=False)[:3]
    ]
    return "; ".join(problems)
