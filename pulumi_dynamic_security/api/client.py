"""`DynamicClient`: one method per admin-API route this tool uses, typed in and out.

    with DynamicClient(ClientConfig(token=Secret(value))) as client:
        env = client.get_environment(environment_id)
        settings = env.settings_copy()          # change managed fields under "security" only
        client.update_settings(environment_id, settings)

Every request carries `Authorization: Bearer <token>` (revealed only in the auth flow) and
`User-Agent: pulumi-dynamic-security/<version>`, goes through `RetryTransport` (retries, the
process-wide request budget, the debug trace) and comes back either as a model or as one of
the typed errors of `api.errors`; callers never see HTTP. Every path is built by its route
(`Route.path`), so every id goes through `routes.path_segment`: one segment, or refused
(exit 3) before anything is sent.

Writes that create something are POSTs, which are never repeated blindly: when a POST's
outcome is unknown (a 5xx, a timeout, a connection dropped after sending), the client lists
what exists to learn whether it landed. `add_origin` and `create_custom_hostname` then
return what they find; `create_token` revokes the token it finds (its raw value was lost
with the response and can never be delivered) and issues again (SPEC §5). So no retry
creates a duplicate.

One client may be shared by a thread pool: it holds no per-call state, httpx's connection
pool is thread-safe, and the budget is process-wide.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Generator, Mapping
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from pulumi_dynamic_security._version import __version__
from pulumi_dynamic_security.api import routes
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
from pulumi_dynamic_security.api.models import (
    CreatedToken,
    CustomHostname,
    Origin,
    Project,
    ProjectEnvironment,
    ProjectEnvironments,
    Session,
    Token,
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
from pulumi_dynamic_security.errors import DynamicApiError
from pulumi_dynamic_security.redaction import Secret

logger = logging.getLogger("pulumi_dynamic_security.api")

USER_AGENT = f"pulumi-dynamic-security/{__version__}"
# Statuses after which a write may or may not have been committed.
_AMBIGUOUS_STATUSES = frozenset({500, 502, 503, 504})

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class _BearerToken(httpx.Auth):
    """Adds the token at send time, so it sits in no header map a repr could show."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request

    def __repr__(self) -> str:
        return "_BearerToken(***)"


class DynamicClient:
    """The admin API of one Dynamic deployment, as typed calls (see the module docstring)."""

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
        return f"DynamicClient(base_url={self._config.base_url!r}, token={self._config.token!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DynamicClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- environments and projects ---------------------------------------------------------------

    def get_environment(self, environment_id: str) -> ProjectEnvironment:
        """The environment with its settings document exactly as Dynamic sent it."""
        route = routes.GET_ENVIRONMENT
        response = self._send(route, environment_id=environment_id)
        return self._model(ProjectEnvironment, route, response, self._json(route, response))

    def update_settings(self, environment_id: str, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the whole settings document (PUT); returns the document Dynamic stored.

        `settings` is sent as given, key order included: pass a copy of what
        `get_environment` returned with only the managed fields changed.
        """
        if "security" not in settings:
            # A PUT replaces the whole document: sending a fragment would wipe the rest.
            raise ValueError(
                "update_settings needs the whole settings document (a copy of "
                "get_environment(...).settings), not a fragment"
            )
        route = routes.UPDATE_SETTINGS
        response = self._send(route, body=dict(settings), environment_id=environment_id)
        return self._object(route, response, self._json(route, response))

    def get_project(self, project_id: str) -> Project:
        route = routes.GET_PROJECT
        response = self._send(route, project_id=project_id)
        return self._model(Project, route, response, self._json(route, response))

    def list_project_environments(self, project_id: str) -> ProjectEnvironments:
        """The project's `live` and `sandbox` environments, settings included."""
        route = routes.LIST_PROJECT_ENVIRONMENTS
        response = self._send(route, project_id=project_id)
        body = self._object(route, response, self._json(route, response))
        return self._model(ProjectEnvironments, route, response, body.get("environments"))

    def create_project(self, organization_id: str, name: str) -> Project:
        """A new project with its two environments (not retried when the outcome is unknown:
        there is no route to list projects, so the error says to check before trying again)."""
        route = routes.CREATE_PROJECT
        response = self._send(
            route, body={"name": name}, expect=(200, 201), organization_id=organization_id
        )
        body = self._object(route, response, self._json(route, response))
        return self._model(Project, route, response, body.get("project"))

    # -- origins ---------------------------------------------------------------------------------

    def list_origins(self, environment_id: str) -> list[Origin]:
        route = routes.LIST_ORIGINS
        response = self._send(route, environment_id=environment_id)
        body = self._object(route, response, self._json(route, response))
        return self._models(Origin, route, response, body.get("origins"))

    def add_origin(self, environment_id: str, origin: str) -> Origin:
        """Add one allowed origin; if an earlier attempt already added it, return that one."""
        route = routes.ADD_ORIGIN

        def post() -> Origin:
            response = self._send(
                route, body={"origin": origin}, expect=(200, 201), environment_id=environment_id
            )
            body = self._object(route, response, self._json(route, response))
            return self._model(Origin, route, response, body.get("origin"))

        return self._reconciled_write(
            post, lambda: self._find_origin(environment_id, origin), what=f"origin {origin}"
        )

    def delete_origin(self, origin_id: str) -> None:
        self._delete(routes.DELETE_ORIGIN, origin_id=origin_id)

    # -- API tokens ------------------------------------------------------------------------------

    def list_tokens(self, environment_id: str) -> list[Token]:
        """The environment's tokens: ids, notes, scopes, checksums; never a raw value."""
        route = routes.LIST_TOKENS
        response = self._send(route, environment_id=environment_id)
        body = self._object(route, response, self._json(route, response))
        return self._models(Token, route, response, body.get("tokens"))

    def create_token(self, environment_id: str, note: str, scopes: list[str]) -> CreatedToken:
        """Issue a token; its raw value is in the result, once, as a `Secret`.

        Notes are unique by the caller's construction (`dynsec:<name>:<timestamp>`): when a
        POST's answer is lost, a token listed with this exact note is that POST's, and since
        its raw value can never be delivered it is revoked and a new one issued.
        """
        route = routes.CREATE_TOKEN

        def post() -> CreatedToken:
            response = self._send(
                route, body={"note": note, "scopes": list(scopes)}, expect=(200, 201),
                environment_id=environment_id,
            )
            body = self._object(route, response, self._json(route, response))
            return self._model(CreatedToken, route, response, body.get("token"))

        def revoke_undeliverable() -> None:
            try:
                for token in self.list_tokens(environment_id):
                    # The checksum test keeps us from ever revoking our own credential.
                    if token.note == note and token.checksum != self._config.token.checksum:
                        logger.debug(
                            "token %s was issued but its answer was lost: revoking it", token.id
                        )
                        self.delete_token(environment_id, token.id, missing_ok=True)
            except ApiError as exc:
                # The token may exist, and nobody has its value. A later run cannot tell it
                # from a delivered one: it would take it for the entry's current token and,
                # once the overlap ends, revoke the token that is in use. So say what to do.
                raise DynamicApiError(
                    f"A new API token with the note {note!r} may have been issued in "
                    f"environment {environment_id}, but Dynamic's answer was lost and checking "
                    f"for it failed too ({exc.message.rstrip('.')}). Nobody "
                    "received its value.",
                    hint=f"Before running apply again, revoke the token with the note {note!r} "
                    "in Dynamic's dashboard (Developers > API tokens) if it is listed there: "
                    "otherwise the next apply takes it for the current token.",
                ) from exc

        return self._reconciled_write(post, revoke_undeliverable, what=f"token {note!r}")

    def delete_token(self, environment_id: str, token_id: str, *, missing_ok: bool = False) -> None:
        """Revoke a token (`missing_ok`: a token already gone is not an error)."""
        try:
            self._delete(routes.DELETE_TOKEN, environment_id=environment_id, token_id=token_id)
        except NotFoundError:
            if not missing_ok:
                raise

    # -- sessions (incident response: service/incident.py, verify/) ------------------------------

    def revoke_user_sessions(self, environment_id: str, user_id: str) -> None:
        """Revoke every session of one user (safe to repeat, so retried like a PUT)."""
        self._send(
            routes.REVOKE_USER_SESSIONS, expect=(200, 202, 204),
            environment_id=environment_id, user_id=user_id,
        )

    def revoke_all_sessions(self, environment_id: str) -> str | None:
        """Revoke every session of the environment; Dynamic queues it (202) and answers a
        message, returned as sent (untrusted text)."""
        route = routes.REVOKE_ALL_SESSIONS
        response = self._send(route, expect=(200, 202, 204), environment_id=environment_id)
        if not response.content:
            return None
        message = self._object(route, response, self._json(route, response)).get("message")
        return message if isinstance(message, str) else None

    def get_session(self, user_id: str, session_id: str) -> Session:
        """One session of a user, `revoked_at` included (NotFoundError when unknown)."""
        route = routes.GET_SESSION
        response = self._send(route, user_id=user_id, session_id=session_id)
        return self._model(Session, route, response, self._json(route, response))

    # -- custom hostnames ------------------------------------------------------------------------

    def list_custom_hostnames(self, environment_id: str) -> list[CustomHostname]:
        route = routes.LIST_CUSTOM_HOSTNAMES
        response = self._send(route, environment_id=environment_id)
        body = self._object(route, response, self._json(route, response))
        return self._models(CustomHostname, route, response, body.get("customHostnames"))

    def create_custom_hostname(
        self, environment_id: str, hostname: str, usage: str
    ) -> CustomHostname:
        """Register a hostname (`usage`: `cookies` or `globalWallet`); it starts `pending`."""
        route = routes.CREATE_CUSTOM_HOSTNAME

        def post() -> CustomHostname:
            response = self._send(
                route, body={"hostname": hostname, "usage": usage}, expect=(200, 201),
                environment_id=environment_id,
            )
            return self._model(CustomHostname, route, response, self._json(route, response))

        def find() -> CustomHostname | None:
            for item in self.list_custom_hostnames(environment_id):
                if item.hostname.lower() == hostname.lower() and item.usage == usage:
                    return item
            return None

        return self._reconciled_write(post, find, what=f"custom hostname {hostname}")

    def delete_custom_hostname(self, environment_id: str, hostname_id: str) -> None:
        self._delete(
            routes.DELETE_CUSTOM_HOSTNAME, environment_id=environment_id, hostname_id=hostname_id
        )

    # -- plumbing --------------------------------------------------------------------------------

    def _send(
        self,
        route: Route,
        *,
        body: object = None,
        expect: tuple[int, ...] = (200,),
        **params: str,
    ) -> httpx.Response:
        """Send one call (the transport retries what is safe); a typed error for a failure."""
        path = route.path(**params)
        request = self._http.build_request(
            route.method,
            path,  # httpx appends it to the base URL's path (/api/v0)
            json=body,
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
            self._send(route, expect=(200, 202, 204), **params)
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

    def _find_origin(self, environment_id: str, origin: str) -> Origin | None:
        wanted = origin.lower()
        for item in self.list_origins(environment_id):
            if item.origin.lower() == wanted:
                return item
        return None

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
