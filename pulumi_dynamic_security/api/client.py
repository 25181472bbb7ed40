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
return what they find; `create_webhook` returns the webhook it finds with its secret (which,
unlike a token's raw value, Dynamic shows again on request); `create_token` revokes the
token it finds (its raw value was lost with the response and can never be delivered) and
issues again (docs/apply.md#converge). So no retry creates a duplicate.

How a call is sent, retried, budgeted and read back is `ApiCaller`'s (`api/caller.py`); this
module is the list of calls. One client may be shared by a thread pool.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from pulumi_dynamic_security.api import routes
from pulumi_dynamic_security.api.caller import ApiCaller
from pulumi_dynamic_security.api.errors import ApiError, NotFoundError, unreadable_response
from pulumi_dynamic_security.api.models import (
    CreatedToken,
    CustomHostname,
    EventType,
    Origin,
    Project,
    ProjectEnvironment,
    ProjectEnvironments,
    Session,
    TestAccount,
    Token,
    Webhook,
)
from pulumi_dynamic_security.errors import DynamicApiError

logger = logging.getLogger("pulumi_dynamic_security.api")
_MAX_PAGES = 100  # a listing longer than this is refused, never read in part


class DynamicClient(ApiCaller):
    """The admin API of one Dynamic deployment, as typed calls (see the module docstring)."""

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

    # -- webhooks, the event catalogue, the test account ----------------------------------------

    def list_webhooks(self, environment_id: str) -> list[Webhook]:
        """The environment's webhooks (never their secrets), every page of them."""
        route = routes.LIST_WEBHOOKS
        webhooks: list[Webhook] = []
        seen: set[str] = set()
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            query = {"cursor": cursor} if cursor else None
            response = self._send(route, query=query, environment_id=environment_id)
            body = self._object(route, response, self._json(route, response))
            webhooks.extend(self._models(Webhook, route, response, body.get("data")))
            cursor = body.get("cursor") if isinstance(body.get("cursor"), str) else None
            if not cursor:
                return webhooks
            if cursor in seen:  # a part of the list would be missing: a plan would then
                # create a webhook that exists on a page never read
                raise unreadable_response(route, response.request.url.path,
                                          response.status_code, "a cursor that repeats")
            seen.add(cursor)
        raise unreadable_response(route, response.request.url.path, response.status_code,
                                  f"more than {_MAX_PAGES} pages")

    def get_webhook(self, environment_id: str, webhook_id: str, *,
                    include_secret: bool = False) -> Webhook:
        """One webhook; with `include_secret`, its signing secret (as a `Secret`)."""
        route = routes.GET_WEBHOOK
        response = self._send(
            route, query={"includeSecret": "true"} if include_secret else None,
            environment_id=environment_id, webhook_id=webhook_id,
        )
        return self._model(Webhook, route, response, self._json(route, response))

    def create_webhook(self, environment_id: str, url: str, *, events: list[str],
                       enabled: bool) -> Webhook:
        """Create a webhook; the answer carries its secret. If an earlier attempt already
        created it (same url), that one is returned, its secret read back."""
        route = routes.CREATE_WEBHOOK

        def post() -> Webhook:
            response = self._send(
                route, body={"url": url, "isEnabled": enabled, "events": list(events)},
                expect=(200, 201), environment_id=environment_id,
            )
            return self._model(Webhook, route, response, self._json(route, response))

        def find() -> Webhook | None:
            for item in self.list_webhooks(environment_id):
                if item.url == url:
                    return self.get_webhook(environment_id, item.id, include_secret=True)
            return None

        return self._reconciled_write(post, find, what=f"webhook {url}")

    def update_webhook(self, environment_id: str, webhook_id: str, *, url: str,
                       events: list[str], enabled: bool) -> Webhook:
        """Replace a webhook's url, events and enabled flag (PUT: all three)."""
        route = routes.UPDATE_WEBHOOK
        response = self._send(
            route, body={"url": url, "isEnabled": enabled, "events": list(events)},
            environment_id=environment_id, webhook_id=webhook_id,
        )
        return self._model(Webhook, route, response, self._json(route, response))

    def delete_webhook(self, environment_id: str, webhook_id: str) -> None:
        """Delete a webhook (only the Pulumi `Webhook` resource does: the CLI never deletes
        one). One already gone is not an error."""
        with contextlib.suppress(NotFoundError):
            self._delete(routes.DELETE_WEBHOOK, environment_id=environment_id,
                         webhook_id=webhook_id)

    def list_event_types(self) -> list[EventType]:
        """Dynamic's catalogue of webhook events (the same for every environment)."""
        route = routes.LIST_EVENT_TYPES
        response = self._send(route)
        return self._models(EventType, route, response, self._json(route, response))

    def get_test_account(self, environment_id: str) -> TestAccount | None:
        """The environment's test account, None when it has none (Dynamic answers 404).
        Its static code is a `Secret` that never leaves this process."""
        route = routes.GET_TEST_ACCOUNT
        try:
            response = self._send(route, environment_id=environment_id)
        except NotFoundError:
            # An unknown environment is a 404 too; the environment read says so, not this.
            return None
        return self._model(TestAccount, route, response, self._json(route, response))

    def _find_origin(self, environment_id: str, origin: str) -> Origin | None:
        wanted = origin.lower()
        for item in self.list_origins(environment_id):
            if item.origin.lower() == wanted:
                return item
        return None
