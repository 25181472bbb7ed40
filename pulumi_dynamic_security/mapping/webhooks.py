"""`webhooks` <-> the webhook endpoints (`GET|POST /environments/{id}/webhooks`,
`PUT /environments/{id}/webhooks/{webhookId}`; docs/mapping.md#webhooks).

A live webhook is managed when its url, normalized (`policy/urls.py`), equals a declared
one. For each entry, in order:

* `add` when no live webhook has its url: a POST `{url, isEnabled, events}`, whose answer
  carries the signing secret, delivered (`EndpointWriter.deliver`, under `webhook:<name>`)
  before anything else happens;
* `update` when a live webhook has its url but other events or another enabled flag: a PUT
  of all three (the url as Dynamic holds it, so its spelling never churns).

`before` and `after` are `{"url", "events", "enabled"}` (events sorted: compared as a set).
dynsec never deletes a webhook: one no entry declares is reported (DS803) and left alone.
Effect: an added webhook tightens; an update that adds events or enables one tightens, one
that drops an event or disables it weakens (docs/mapping.md#effects).

Before any write the events of every entry are checked against Dynamic's catalogue
(`unknown_events`, from `GET /eventTypes`, read once per run): an unknown name is an input
error with a "did you mean".
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from pulumi_dynamic_security.api.models import Webhook
from pulumi_dynamic_security.digests import sha256_of
from pulumi_dynamic_security.errors import DynsecError, PolicyFileError, Problem
from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.mapping.area import (
    DigestedEndpointArea,
    EndpointWriter,
    Exported,
    not_a_change_apply_makes,
)
from pulumi_dynamic_security.mapping.changes import Change, Effect, entry_of
from pulumi_dynamic_security.policy.areas import Area, WebhookPolicy
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.policy.urls import UrlError, event_name, webhook_url_or_none
from pulumi_dynamic_security.rules.base import LiveWebhook
from pulumi_dynamic_security.suggestions import did_you_mean

NAME: Area = "webhooks"
SECRET_PREFIX = "webhook:"  # the key of a webhook's secret in --secrets-out
_PATH = re.compile(r"webhooks\[(0|[1-9][0-9]{0,3})\]")
_NAME_CHARS = re.compile(r"[^a-z0-9]+")


def live_url(webhook: Webhook) -> str:
    """A live webhook's url normalized, or as Dynamic holds it when it cannot be."""
    return webhook_url_or_none(webhook.url) or webhook.url


def matching(records: Sequence[Webhook], url: str) -> list[Webhook]:
    """The live webhooks whose url is `url` (normalized)."""
    return [webhook for webhook in records if live_url(webhook) == url]


def described(url: str, events: Collection[str], enabled: bool) -> dict[str, Any]:
    """A webhook as a change shows it: `{"url", "events", "enabled"}`, events sorted."""
    return {"url": url, "events": sorted(events), "enabled": enabled}


def _differs(webhook: Webhook, entry: WebhookPolicy) -> bool:
    return set(webhook.events) != set(entry.events) or webhook.is_enabled != entry.enabled


def secret_key(name: str) -> str:
    return f"{SECRET_PREFIX}{name}"


def suggested_name(url: str, taken: Collection[str]) -> str:
    """A name for a live webhook (export, and what the rules call one): its host (or SNS
    topic) in the policy's name alphabet, made unique among `taken`."""
    if url.startswith("arn:"):
        base = url.rsplit(":", 1)[-1]
    else:
        base = url.partition("://")[2].partition("/")[0]
    stem = _NAME_CHARS.sub("-", base.lower()).strip("-")[:36].strip("-") or "webhook"
    name, number = stem, 2
    while name in taken:
        name, number = f"{stem}-{number}", number + 1
    return name


def live_webhooks(records: Sequence[Webhook]) -> tuple[LiveWebhook, ...]:
    """The records as the (live) rules see them."""
    return tuple(
        LiveWebhook(w.id, live_url(w), tuple(w.events), w.is_enabled) for w in records
    )


def unknown_events(stage: EffectiveStage, catalogue: Collection[str]) -> PolicyFileError | None:
    """The input error for the events of `stage`'s webhooks that Dynamic's catalogue does
    not have (each at its file:line, with the closest name), or None."""
    problems = []
    for index, entry in enumerate(stage.webhooks or ()):
        for position, event in enumerate(entry.events):
            if event in catalogue:
                continue
            path = f"webhooks[{index}].events[{position}]"
            file, line = stage.locate(path)
            problems.append(Problem(
                file or "the policy", line,
                f"stages.{stage.name}.{path}: {echo(event)} is not an event Dynamic knows"
                f"{did_you_mean(event, catalogue)} (see GET /eventTypes)",
            ))
    if not problems:
        return None
    return PolicyFileError(problems, hint="Fix the event names; nothing was written.")


class WebhooksArea(DigestedEndpointArea):
    name = "webhooks"
    docs = "docs/mapping.md#webhooks"
    resource = "Webhook"  # one per entry
    read_back = True
    digest_key = "webhooks_sha256"  # webhook writes move no `updatedAt`

    def from_live(self, records: Sequence[Webhook]) -> tuple[WebhookPolicy, ...]:
        """The live webhooks in the policy's words (named as `export` names them)."""
        taken: set[str] = set()
        values = []
        for webhook in records:
            name = suggested_name(live_url(webhook), taken)
            taken.add(name)
            values.append(WebhookPolicy.model_construct(
                name=name, url=live_url(webhook), events=list(webhook.events),
                enabled=webhook.is_enabled,
            ))
        return tuple(values)

    def plan(self, declared: Sequence[WebhookPolicy], records: Sequence[Webhook], *,
             now: datetime) -> list[Change]:
        changes = []
        for index, entry in enumerate(declared):
            path = f"{NAME}[{index}]"
            wanted = described(entry.url, entry.events, entry.enabled)
            found = matching(records, entry.url)
            if not found:
                changes.append(Change(NAME, "add", path, None, wanted, "tightens"))
                continue
            stale = next((w for w in found if _differs(w, entry)), None)
            if stale is not None:
                before = described(entry.url, stale.events, stale.is_enabled)
                changes.append(Change(NAME, "update", path, before, wanted,
                                      _update_effect(before, wanted)))
        return changes

    def delivers_secret(self, change: Change) -> bool:
        return change.action == "add"

    def write(self, change: Change, writer: EndpointWriter) -> None:
        stage = writer.stage
        entry = entry_of(change, stage.webhooks or ())
        environment_id = stage.environment_id
        if change.action == "add":
            writer.say(f"creating webhook {entry.name!r} ({entry.url})")
            created = writer.client.create_webhook(
                environment_id, entry.url, events=list(entry.events), enabled=entry.enabled
            )
            if created.secret is None:  # Dynamic shows it on request too
                created = writer.client.get_webhook(environment_id, created.id,
                                                    include_secret=True)
            try:
                writer.deliver(secret_key(entry.name), created)  # before anything else
            except DynsecError as exc:
                exc.message = (
                    f"{exc.message.rstrip('.')}. Webhook {entry.name!r} was created (id "
                    f"{created.id}) but its secret was not delivered: read it in Dynamic's "
                    "dashboard (Developers > Webhooks) to verify its deliveries."
                )
                raise
            writer.done(change, 1)
            return
        writes = 0
        for webhook in matching(writer.records(self.name), entry.url):
            if not _differs(webhook, entry):
                continue
            writer.say(f"updating webhook {entry.name!r} ({entry.url})")
            writer.client.update_webhook(
                environment_id, webhook.id, url=webhook.url, events=list(entry.events),
                enabled=entry.enabled,
            )
            writes += 1
        writer.done(change, writes)

    def is_kept(self, records: Sequence[Webhook], change: Change) -> bool:
        after = change.after if isinstance(change.after, dict) else {}
        found = matching(records, str(after.get("url")))
        return bool(found) and all(
            set(w.events) == set(after.get("events") or ()) and w.is_enabled == after.get(
                "enabled") for w in found
        )

    def export(self, records: Sequence[Webhook]) -> Exported | None:
        value: list[dict[str, Any]] = []
        comments: list[str] = []
        taken: set[str] = set()
        urls: set[str] = set()
        settings: dict[str, set[tuple[frozenset[str], bool]]] = {}
        for webhook in records:  # an entry manages every webhook its url matches
            settings.setdefault(live_url(webhook), set()).add(
                (frozenset(webhook.events), webhook.is_enabled))
        for webhook in records:
            url = webhook_url_or_none(webhook.url)
            problem = _export_problem(webhook, url, urls) if len(
                settings[live_url(webhook)]) == 1 else (
                "shares its url with a live webhook of other events or enabled flag (an "
                "entry would make them all alike)")
            if problem is not None:
                comments.append(f"live webhook {webhook.id} {problem}; left out (dynsec never "
                                "deletes it, DS803 reports it)")
                continue
            assert url is not None
            name = suggested_name(url, taken)
            taken.add(name)
            urls.add(url)
            value.append({"name": name, "url": url, "events": list(webhook.events),
                          "enabled": webhook.is_enabled})
        if not value:
            return Exported(None, tuple(comments)) if comments else None
        return Exported(value, tuple(comments))

    def check_saved(self, change: Change, stage: EffectiveStage) -> None:
        if change.action not in ("add", "update"):
            raise not_a_change_apply_makes(change)
        match = _PATH.fullmatch(change.path)
        entries = stage.webhooks or ()
        if match is None or int(match.group(1)) >= len(entries):
            raise ValueError(f"{echo(change.path)} names no webhooks entry")
        entry = entries[int(match.group(1))]
        sides = [change.after] + ([change.before] if change.action == "update" else [])
        for side in sides:
            if not _is_description(side) or side["url"] != entry.url:
                raise ValueError(f"{echo(change.path)} does not describe webhook "
                                 f"{entry.name!r} ({entry.url})")

    def overtaken(self, changes: Sequence[Change], stage: EffectiveStage,
                  records: Sequence[Webhook]) -> str | None:
        """The entries a plan would create that exist now (created since the plan: the same
        plan applied twice); creating them again would make a second webhook."""
        created = [
            entry_of(change, stage.webhooks or ()).name for change in changes
            if change.area == NAME and change.action == "add"
            and matching(records, str((change.after or {}).get("url")))
        ]
        if not created:
            return None
        return (f"The webhooks {', '.join(map(repr, created))} of stage {stage.name!r} "
                f"(environment {stage.environment_id}) were created")

    def changed_since(self, stage: EffectiveStage) -> str:
        return (f"The webhooks that stage {stage.name!r} manages (environment "
                f"{stage.environment_id}) were created or changed")

    def digest(self, stage: EffectiveStage, records: Sequence[Webhook] | None) -> str:
        """The SHA-256 of the live webhooks the stage's entries manage (id, url, events,
        enabled): a write made since the plan changes it. Other webhooks do not count."""
        if records is None:
            return sha256_of("webhooks not read")
        return sha256_of(sorted(
            (entry.name, w.id, live_url(w), sorted(w.events), w.is_enabled)
            for entry in stage.webhooks or ()
            for w in matching(records, entry.url)
        ))


def _update_effect(before: dict[str, Any], after: dict[str, Any]) -> Effect:
    lost = set(before["events"]) - set(after["events"])
    gained = set(after["events"]) - set(before["events"])
    if lost or (before["enabled"] and not after["enabled"]):
        return "weakens"
    if gained or (after["enabled"] and not before["enabled"]):
        return "tightens"
    return "neutral"


def _is_description(value: Any) -> bool:
    return (
        isinstance(value, dict) and set(value) == {"url", "events", "enabled"}
        and isinstance(value["url"], str) and isinstance(value["enabled"], bool)
        and isinstance(value["events"], list) and bool(value["events"])
        and all(isinstance(event, str) for event in value["events"])
    )


def _export_problem(webhook: Webhook, url: str | None, exported: set[str]) -> str | None:
    if url is None:
        return f"has a url a policy cannot hold ({echo(webhook.url)})"
    if url in exported:
        return f"has the url of another live webhook ({echo(url)})"
    if not webhook.events:
        return "receives no event"
    for event in webhook.events:
        try:
            event_name(event)
        except UrlError:
            return f"receives {echo(event)}, which a policy cannot name"
    if len(set(webhook.events)) != len(webhook.events):
        return "lists an event twice"
    return None


AREA = WebhooksArea()
