"""The promises of docs/apply.md for webhooks, end to end against the emulator: a POST whose
answer is lost makes no second webhook and its secret is still delivered; a plan whose
webhook was created meanwhile is refused (exit 5) instead of creating a second one; a saved
plan is stale once the webhooks it manages changed."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_dynamic_security.api.models import Webhook
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.errors import InputError, StalePlanError
from pulumi_dynamic_security.service.apply import apply_plan
from pulumi_dynamic_security.service.plan import plan_stage
from pulumi_dynamic_security.service.resources import ensure_webhook
from tests.support.cli import Cli
from tests.support.clients import make_client
from tests.support.ids import LIVE
from tests.support.log import log, writes
from tests.support.policies import policy_text, stage_of

URL = "https://hooks.example.com/dynamic"
EVENTS = ["user.session.revoked", "admin.user.session.revoked"]
STAGE = stage_of(policy_text(LIVE, f"""\
    webhooks:
      - name: session-audit
        url: {URL}
        events: [{", ".join(EVENTS)}]
"""))


class Secrets:
    """What `--secrets-out` receives."""

    def __init__(self) -> None:
        self.received: dict[str, Any] = {}

    def __call__(self, name: str, created: Any) -> None:
        self.received[name] = created


def test_a_lost_post_answer_makes_no_second_webhook_and_the_secret_is_delivered(
    emulator: EmulatorHandle,
) -> None:
    secrets = Secrets()
    with make_client(emulator) as client:
        planned = plan_stage(client, STAGE, auth_token_checksum=None)
        emulator.set_faults(lost_response_rate=1.0)  # committed, then answered 502
        try:
            result = apply_plan(client, planned, auth_token_checksum=None,
                                on_secret_issued=secrets)
        finally:
            emulator.set_faults(lost_response_rate=0)
        [live] = client.list_webhooks(LIVE)
        shown = client.get_webhook(LIVE, live.id, include_secret=True)

    assert [c.action for c in result.done] == ["add"]
    posts = [w for w in writes(emulator) if w[0] == "POST"]
    assert posts == [("POST", f"/environments/{LIVE}/webhooks")]  # one POST, no retry of it
    delivered = secrets.received["webhook:session-audit"]
    assert isinstance(delivered, Webhook) and delivered.id == live.id
    assert delivered.secret is not None and shown.secret is not None
    assert delivered.secret.reveal() == shown.secret.reveal()


def test_a_webhook_created_since_the_plan_is_refused_not_created_again(
    emulator: EmulatorHandle,
) -> None:
    with make_client(emulator) as client:
        planned = plan_stage(client, STAGE, auth_token_checksum=None)
        client.create_webhook(LIVE, URL, events=EVENTS, enabled=True)  # someone else
        emulator.clear_requests()
        with pytest.raises(StalePlanError, match=r"'session-audit'.*were created"):
            apply_plan(client, planned, auth_token_checksum=None, on_secret_issued=Secrets())
        assert len(client.list_webhooks(LIVE)) == 1
    assert writes(emulator) == []


def test_a_webhook_resource_replans_when_the_environment_moved_reading_the_catalogue_once(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with make_client(emulator) as client, make_client(emulator) as someone:
        read = client.get_environment
        reads = 0

        def get_environment(environment_id: str) -> Any:
            nonlocal reads
            reads += 1
            if reads == 2:  # apply's re-read before writing: an origin was added meanwhile
                someone.add_origin(LIVE, "https://moved.example.com")
            return read(environment_id)

        monkeypatch.setattr(client, "get_environment", get_environment)
        emulator.clear_requests()
        outcome = ensure_webhook(client, STAGE, auth_token_checksum=None)
        assert [w.id for w in client.list_webhooks(LIVE)] == [outcome.webhook.id]

    assert not outcome.adopted and reads > 2  # refused as stale once, then planned again
    assert [w for w in writes(emulator) if w[1].endswith("/webhooks")] == [
        ("POST", f"/environments/{LIVE}/webhooks")
    ]
    assert log(emulator).count(("GET", "/eventTypes")) == 1


def test_a_plan_that_creates_a_webhook_needs_someone_to_receive_its_secret(
    emulator: EmulatorHandle,
) -> None:
    with make_client(emulator) as client:
        planned = plan_stage(client, STAGE, auth_token_checksum=None)
        emulator.clear_requests()
        with pytest.raises(InputError, match="--secrets-out"):
            apply_plan(client, planned, auth_token_checksum=None)
    assert writes(emulator) == []


def test_a_saved_plan_is_stale_once_its_webhooks_changed(cli: Cli) -> None:
    with make_client(cli.emulator) as admin:
        created = admin.create_webhook(LIVE, URL, events=["user.created"], enabled=True)
    cli.write(policy_text(LIVE, f"""\
    webhooks:
      - name: session-audit
        url: {URL}
        events: [{", ".join(EVENTS)}]
"""))
    saved = cli("plan", "dynamic-security.yaml", "--stage", "production", "--out", "plan.json")
    assert saved.code == 0, saved.err
    with make_client(cli.emulator) as admin:  # someone edits it in the dashboard meanwhile
        admin.update_webhook(LIVE, created.id, url=URL, events=["wallet.created"],
                             enabled=True)
    cli.clear()

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes",
                 "--plan", "plan.json")

    assert result.code == 5, result.err
    assert "webhooks that stage 'production' manages" in result.err
    assert cli.writes() == []


def test_a_saved_plan_with_webhook_changes_is_applied_as_saved(cli: Cli) -> None:
    cli.write(policy_text(LIVE, f"""\
    webhooks:
      - name: session-audit
        url: {URL}
        events: [{", ".join(EVENTS)}]
"""))
    cli("plan", "dynamic-security.yaml", "--stage", "production", "--out", "plan.json")
    cli.clear()

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes",
                 "--plan", "plan.json", "--secrets-out", "secrets.json")

    assert result.code == 0, result.err
    assert cli.writes() == [("POST", f"/environments/{LIVE}/webhooks")]


# A saved plan's webhook changes, edited: each refused with its exit code, nothing written.
EDITS = [
    ("retargeted-to-another-url", lambda c: c["after"].update(url="https://evil.example/in"),
     "does not describe webhook 'session-audit'", True),
    ("an-event-dropped", lambda c: c["after"].update(events=["user.session.revoked"]),
     "The saved plan does not match POLICY", False),
    ("disabled", lambda c: c["after"].update(enabled=False), "does not match POLICY", False),
    ("turned-into-a-removal", lambda c: c.update(action="remove", before=c["after"],
                                                 after=None),
     "not a change apply can make: webhooks remove", True),
    ("path-out-of-range", lambda c: c.update(path="webhooks[3]"),
     "'webhooks[3]' names no webhooks entry", True),
    ("events-not-texts", lambda c: c["after"].update(events=[1, 2]),
     "holds 'events': list", True),
    ("events-empty", lambda c: c["after"].update(events=[]), "does not describe webhook", True),
]


@pytest.mark.parametrize(("name", "edit", "says", "offline"), EDITS, ids=[e[0] for e in EDITS])
def test_an_edited_webhook_change_in_a_saved_plan_is_refused(
    cli: Cli, name: str, edit: Any, says: str, offline: bool
) -> None:
    import json

    cli.write(policy_text(LIVE, f"""\
    webhooks:
      - name: session-audit
        url: {URL}
        events: [{", ".join(EVENTS)}]
"""))
    assert cli("plan", "dynamic-security.yaml", "--stage", "production", "--out",
               "plan.json").code == 0
    path = cli.directory / "plan.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    [webhook_change] = data["changes"]
    edit(webhook_change)
    path.write_text(json.dumps(data), encoding="utf-8")
    cli.clear()

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes",
                 "--plan", "plan.json", "--secrets-out", "secrets.json")

    assert result.code == 3, result.err
    assert says in result.err, result.err
    assert "Traceback" not in result.err
    assert cli.writes() == []
    if offline:
        assert cli.log() == []
