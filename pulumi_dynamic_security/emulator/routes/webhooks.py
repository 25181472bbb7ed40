"""Webhooks and the event catalogue.

    GET    /environments/{environmentId}/webhooks               webhooks.read   WebhooksResponse
    POST   /environments/{environmentId}/webhooks               webhooks.write  201 Webhook
    GET    /environments/{environmentId}/webhooks/{webhookId}   webhooks.read   Webhook
    PUT    /environments/{environmentId}/webhooks/{webhookId}   webhooks.write  Webhook
    DELETE /environments/{environmentId}/webhooks/{webhookId}   webhooks.write  204
    GET    /eventTypes                                          any token       EventType[]

The signing `secret` is in the create answer and in `GET .../{webhookId}?includeSecret=true`,
never in a listing or an update. A url must be https with a DNS name, or an SNS topic ARN, and
events must be in the catalogue (422 otherwise); a second webhook with the same url is refused
(`duplicate_exists`, an assumption: Dynamic does not document it). Listings are one page: the
`cursor` is empty.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulumi_dynamic_security.emulator import errors, events, factory, validation, wire
from pulumi_dynamic_security.emulator.context import Emulator
from pulumi_dynamic_security.emulator.records import Environment, Webhook
from pulumi_dynamic_security.emulator.routes.common import (
    caller,
    environment,
    json,
    no_content,
    route,
)
from pulumi_dynamic_security.emulator.state import now_ms
from pulumi_dynamic_security.scopes import WEBHOOKS_READ, WEBHOOKS_WRITE

BASE = "/environments/{environment_id}/webhooks"


def _webhook(request: Request, emulator: Emulator, env: Environment) -> Webhook:
    webhook_id = request.path_params["webhook_id"]
    if webhook_id not in env.webhook_ids:
        raise errors.not_found("Webhook")
    return emulator.state.webhooks[webhook_id]


def _refuse_duplicate(emulator: Emulator, env: Environment, url: str,
                      own_id: str | None = None) -> None:
    if any(w.url == url and w.id != own_id for w in emulator.state.webhooks_of(env)):
        raise errors.unprocessable("A webhook with this url already exists", "duplicate_exists")


async def list_webhooks(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, WEBHOOKS_READ)
    return json(wire.webhooks(emulator.state.webhooks_of(env)))


async def create_webhook(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, WEBHOOKS_WRITE)
    body = await validation.json_object(request)
    url, enabled, names = validation.webhook_request(body, events.EVENT_NAMES)
    _refuse_duplicate(emulator, env, url)
    webhook = factory.create_webhook(emulator.state, env, url=url, events=names,
                                     enabled=enabled)
    emulator.commit()
    return json(wire.webhook(webhook, include_secret=True), status=201)


def _include_secret(request: Request) -> bool:
    value = request.query_params.get("includeSecret", "false").lower()
    if value not in ("true", "false"):
        raise errors.bad_request("includeSecret must be true or false")
    return value == "true"


async def get_webhook(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, WEBHOOKS_READ)
    include_secret = _include_secret(request)
    return json(wire.webhook(_webhook(request, emulator, env), include_secret=include_secret))


async def update_webhook(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, WEBHOOKS_WRITE)
    webhook = _webhook(request, emulator, env)
    body = await validation.json_object(request)
    url, enabled, names = validation.webhook_request(body, events.EVENT_NAMES)
    _refuse_duplicate(emulator, env, url, own_id=webhook.id)
    now = now_ms()
    if enabled and not webhook.is_enabled:
        webhook.enabled_at = now
    elif not enabled:
        webhook.enabled_at = None
    webhook.url, webhook.events, webhook.is_enabled = url, names, enabled
    webhook.updated_at = max(now, webhook.updated_at)
    emulator.commit()
    return json(wire.webhook(webhook, include_secret=False))


async def delete_webhook(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, WEBHOOKS_WRITE)
    webhook = _webhook(request, emulator, env)
    emulator.state.remove_webhook(webhook.id)
    emulator.commit()
    return no_content()


async def event_types(request: Request, emulator: Emulator) -> Response:
    caller(request, emulator)  # any valid token: the catalogue is the same for everyone
    return json(events.catalogue())


def routes(emulator: Emulator) -> list[Route]:
    return [
        route(emulator, BASE, ["GET"], list_webhooks),
        route(emulator, BASE, ["POST"], create_webhook),
        route(emulator, BASE + "/{webhook_id}", ["GET"], get_webhook),
        route(emulator, BASE + "/{webhook_id}", ["PUT"], update_webhook),
        route(emulator, BASE + "/{webhook_id}", ["DELETE"], delete_webhook),
        route(emulator, "/eventTypes", ["GET"], event_types),
    ]
