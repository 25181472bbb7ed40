"""Environment API tokens (DS501-DS504): declared rotation, and the tokens that really exist.

Dynamic's API tokens never expire on their own, so a leaked one works until someone revokes
it. DS501/DS502 judge the declared rotation policy; DS503/DS504 (live) judge the tokens the
environment lists, recognising managed ones by their note (`token_notes`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from pulumi_dynamic_security.escaping import ECHO_LIMIT, clip
from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.rules import links
from pulumi_dynamic_security.rules.base import Hit, LiveToken, Rule, RuleContext, Severity
from pulumi_dynamic_security.rules.token_notes import managed_by_entry, parse_note
from pulumi_dynamic_security.rules.token_schedule import (
    overdue_after,
    overdue_at,
    revocation_due_at,
)

_ROTATION_ERROR_ABOVE = Duration.of(days=365)


def _describe(token: LiveToken) -> str:
    # The id and note are the API's: cut, so that a hostile answer cannot flood a report.
    note = f"note {clip(token.note, ECHO_LIMIT - 2)!r}" if token.note else "no note"
    created = token.created_at.date().isoformat()
    return f"token {clip(token.id, ECHO_LIMIT)} ({note}, created {created})"


def _successors(tokens: Iterable[LiveToken]) -> dict[str, LiveToken]:
    """For each managed token, the next managed token of the same entry (in the order
    rotation issues them), when there is one."""
    return {
        older.id: newer
        for entry_tokens in managed_by_entry(tokens).values()
        for older, newer in itertools.pairwise(entry_tokens)
    }


class NoTokenRotation(Rule):
    """Tokens made by hand are never rotated: declaring them is what lets dynsec rotate them."""

    id = "DS501"
    name = "no-token-rotation"
    area = "api_tokens"
    production = Severity.WARNING
    other = None
    summary = "`api_tokens` not declared"
    declared_only = True
    remediation = (
        "Declare the tokens this stage uses under `api_tokens` (name, scopes, rotate_every, "
        "overlap) so that dynsec issues and rotates them."
    )
    doc_url = links.DEVELOPER_BEST_PRACTICES

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        if ctx.stage.api_tokens is None:
            yield Hit(
                path="api_tokens",
                message="api_tokens is not declared: the environment's API tokens are never "
                "rotated, and a leaked token works until someone notices and revokes it",
            )


class RotationTooSlow(Rule):
    """A long rotation period is a long window for a leaked token."""

    id = "DS502"
    name = "rotation-too-slow"
    area = "api_tokens"
    production = Severity.WARNING
    other = Severity.WARNING
    severity_note = "error above 365d"
    summary = "`rotate_every` above `limits.token_rotation_max` (error above 365d)"
    declared_only = True
    remediation = (
        "Lower `rotate_every` of this `api_tokens` entry to `limits.token_rotation_max` "
        "(default 90d) or less."
    )
    doc_url = links.DEVELOPER_BEST_PRACTICES

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        limit = ctx.stage.limits.token_rotation_max
        for index, token in enumerate(ctx.stage.api_tokens or ()):
            if not token.rotate_every > limit:
                continue
            escalate = ctx.stage.production and token.rotate_every > _ROTATION_ERROR_ABOVE
            yield Hit(
                path=f"api_tokens[{index}].rotate_every",
                message=f"api token {token.name!r} rotates every {token.rotate_every}, above "
                f"limits.token_rotation_max ({limit}): a leaked token stays valid that long",
                value=token.name,
                severity=Severity.ERROR if escalate else None,
            )


class TokenOverdue(Rule):
    """A managed token past `rotate_every + overlap` should already have been replaced and
    revoked: rotation is not running.

    A token that already has a successor is the predecessor rotation keeps for `overlap`
    after that successor was issued: it is overdue only once that overlap has run out too
    (the plan then revokes it). Otherwise a late rotation would leave its predecessor
    reported as an error, blocking every production apply until the overlap ends."""

    id = "DS503"
    name = "token-overdue"
    area = "api_tokens"
    production = Severity.ERROR
    other = Severity.WARNING
    live = True
    summary = "(live) a managed token older than `rotate_every + overlap`"
    remediation = (
        "Run `dynsec apply` for this stage with `--secrets-out FILE` to issue the successor and "
        "revoke the overdue token, then store the new token where its users read it."
    )
    doc_url = links.DEVELOPER_BEST_PRACTICES

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        live = ctx.live
        if live is None:
            return
        entries = {
            token.name: (index, token) for index, token in enumerate(ctx.stage.api_tokens or ())
        }
        successors = _successors(live.tokens)
        for token in live.tokens:
            note = parse_note(token.note)
            if note is None or note.name not in entries:
                continue  # DS504's business
            index, entry = entries[note.name]
            successor = successors.get(token.id)
            if successor is not None and live.now <= revocation_due_at(entry, successor.created_at):
                continue  # kept on purpose: its successor's overlap has not run out
            if live.now > overdue_at(entry, token.created_at):
                age = live.now - token.created_at
                allowed = overdue_after(entry)
                yield Hit(
                    path=f"api_tokens[{index}]",
                    message=f"{_describe(token)} is {age.days} days old, past rotate_every + "
                    f"overlap ({allowed}) of api token {entry.name!r}: it should already have "
                    "been replaced and revoked",
                    value=token.id,
                    on_live_value=True,
                )


class TokenUnmanaged(Rule):
    """A token nobody declared is a credential nobody rotates or reviews."""

    id = "DS504"
    name = "token-unmanaged"
    area = "api_tokens"
    production = Severity.WARNING
    other = Severity.NOTE
    live = True
    summary = "(live) an API token whose note is not one this tool manages"
    remediation = (
        "Declare an `api_tokens` entry for what the token is used for and let dynsec issue its "
        "successor, then revoke the old token in Dynamic's dashboard once nothing uses it."
    )
    doc_url = links.API_TOKENS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        live = ctx.live
        if live is None:
            return
        declared = {token.name for token in ctx.stage.api_tokens or ()}
        for token in live.tokens:
            # The token this run authenticates with is the operator's own: reporting it would
            # only invite revoking the credential in use.
            if live.auth_token_checksum is not None and token.checksum == live.auth_token_checksum:
                continue
            note = parse_note(token.note)
            if note is not None and note.name in declared:
                continue
            if note is not None:
                why = (
                    f"names api token {note.name!r}, which this stage no longer declares: "
                    "dynsec leaves it alone, so it is never rotated or revoked"
                )
            else:
                why = "is not managed by dynsec: nobody rotates it, and it works until revoked"
            yield Hit(
                path="api_tokens",
                message=f"{_describe(token)} {why}",
                value=token.id,
                on_live_value=True,
            )
