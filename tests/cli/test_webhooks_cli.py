"""`webhooks` through the CLI against the emulator (docs/mapping.md#webhooks,
docs/apply.md#secrets-shown-once): created with its secret delivered only to `--secrets-out`,
updated in place, never deleted, event names checked against Dynamic's catalogue before any
write, the catalogue read once per run, and a token that may not list webhooks reported as
a note rather than a failure."""

from __future__ import annotations

import json
import stat

import pytest

from tests.support.cli import Cli, Result, json_out
from tests.support.clients import NO_RETRY, make_client
from tests.support.ids import LIVE, SANDBOX, SECOND_SANDBOX

URL = "https://hooks.example.com/dynamic"
SESSION_EVENTS = ["user.session.revoked", "admin.user.session.revoked"]


def policy(*, events: str = "[user.session.revoked, admin.user.session.revoked]",
           url: str = URL, environment: str = LIVE, enabled: str = "true") -> str:
    return f"""\
version: 1
stages:
  production:
    environment_id: {environment}
    webhooks:
      - name: session-audit
        url: {url}
        events: {events}
        enabled: {enabled}
"""


def apply(cli: Cli, *extra: str) -> Result:
    return cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes", *extra)


def test_a_new_webhook_needs_secrets_out_and_nothing_is_written_without_it(cli: Cli) -> None:
    cli.write(policy())
    cli.clear()

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes")

    assert result.code == 3
    assert "1 new webhook(s)" in result.err and "--secrets-out" in result.err
    assert "nothing was written" in result.err
    assert cli.writes() == []


def test_a_created_webhooks_secret_goes_to_secrets_out_only(cli: Cli) -> None:
    cli.write(policy())
    secrets = cli.directory / "secrets.json"

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes",
                 "--secrets-out", str(secrets))

    assert result.code == 0, result.err
    assert cli.writes() == [("POST", f"/environments/{LIVE}/webhooks")]
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    data = json.loads(secrets.read_text(encoding="utf-8"))
    assert list(data) == ["webhook:session-audit"]
    entry = data["webhook:session-audit"]
    assert list(entry) == ["id", "secret", "url"]
    with make_client(cli.emulator) as admin:
        [live] = admin.list_webhooks(LIVE)
        shown = admin.get_webhook(LIVE, live.id, include_secret=True)
    assert entry["id"] == live.id and entry["url"] == URL
    assert shown.secret is not None and entry["secret"] == shown.secret.reveal()
    assert sorted(live.events) == sorted(SESSION_EVENTS) and live.is_enabled
    assert entry["secret"] not in result.out + result.err
    assert "webhook:session-audit" in result.out

    cli.clear()
    again = apply(cli)
    assert again.code == 0 and cli.writes() == []


def test_a_changed_webhook_is_updated_with_a_put_of_all_three(cli: Cli) -> None:
    with make_client(cli.emulator) as admin:
        created = admin.create_webhook(LIVE, URL, events=["user.created"], enabled=False)
    cli.write(policy())
    cli.clear()

    plan = json_out(cli("plan", "dynamic-security.yaml", "--stage", "production", "--format",
                        "json"))
    result = apply(cli)

    [change] = plan["changes"]
    assert change == {
        "area": "webhooks", "action": "update", "path": "webhooks[0]",
        "before": {"url": URL, "events": ["user.created"], "enabled": False},
        "after": {"url": URL, "events": sorted(SESSION_EVENTS), "enabled": True},
        "effect": "weakens",  # user.created is no longer delivered
        "live_effect": "stronger", "origin": None,  # JSON v2: the same change read as drift
    }
    assert result.code == 0, result.err  # no --secrets-out: nothing is created
    assert cli.writes() == [("PUT", f"/environments/{LIVE}/webhooks/{created.id}")]
    with make_client(cli.emulator) as admin:
        [live] = admin.list_webhooks(LIVE)
    assert live.id == created.id and live.is_enabled
    assert sorted(live.events) == sorted(SESSION_EVENTS)


def test_an_undeclared_webhook_is_a_note_and_never_deleted(cli: Cli) -> None:
    with make_client(cli.emulator) as admin:
        other = admin.create_webhook(LIVE, "https://other.example.net/in",
                                     events=["user.created"], enabled=True)
        admin.create_webhook(LIVE, URL, events=SESSION_EVENTS, enabled=True)
    cli.write(policy())
    cli.clear()

    result = cli("plan", "dynamic-security.yaml", "--stage", "production", "--format", "json")
    applied = apply(cli)

    notes = [f for f in json_out(result)["findings"] if f["rule"] == "DS803"]
    assert [(f["severity"], f["file"]) for f in notes] == [("note", None)]
    assert other.id in notes[0]["message"]
    assert applied.code == 0, applied.err
    assert cli.writes() == []
    with make_client(cli.emulator) as admin:
        assert {w.id for w in admin.list_webhooks(LIVE)} >= {other.id}


def test_an_unknown_event_is_exit_3_at_its_line_with_a_suggestion_before_any_write(
    cli: Cli,
) -> None:
    cli.write(policy(events="[user.session.revoked, user.sesion.created]"))
    cli.clear()

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes",
                 "--secrets-out", "secrets.json")

    assert result.code == 3
    assert "dynamic-security.yaml:8:" in result.err
    assert "'user.sesion.created' is not an event Dynamic knows" in result.err
    assert "did you mean 'user.session.created'?" in result.err
    assert "Traceback" not in result.err
    assert cli.writes() == []
    assert ("GET", "/eventTypes") in cli.log()
    assert not (cli.directory / "secrets.json").exists()


def test_drift_reads_the_event_catalogue_once_for_every_stage(cli: Cli) -> None:
    stages = "".join(f"""\
  {name}:
    environment_id: {environment}
    webhooks:
      - name: session-audit
        url: https://hooks.example.com/{name}
        events: [user.session.revoked, admin.user.session.revoked]
""" for name, environment in (("dev", SANDBOX), ("staging", SECOND_SANDBOX),
                               ("production", LIVE)))
    cli.write(f"version: 1\nstages:\n{stages}")
    cli.clear()

    result = cli("drift", "dynamic-security.yaml", "--format", "json")

    assert result.code == 2, result.err  # three webhooks to create
    assert cli.log().count(("GET", "/eventTypes")) == 1
    assert json_out(result)["drifted"] == ["dev", "staging", "production"]


@pytest.fixture
def settings_only_token(cli: Cli) -> str:
    """A token of the live environment that may read its settings, and not its webhooks."""
    with make_client(cli.emulator) as admin:
        created = admin.create_token(LIVE, "no webhooks scope", [
            "environment.settings.read", "environment.apiTokens.read"])
    return created.raw_token.reveal()


def test_a_webhook_list_the_token_may_not_read_is_a_note_naming_the_scope(
    cli: Cli, settings_only_token: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DYNAMIC_API_TOKEN", settings_only_token)
    cli.write(f"version: 1\nstages:\n  production:\n    environment_id: {LIVE}\n"
              "    jwt_lifetime: 30d\n")

    result = cli("plan", "dynamic-security.yaml", "--stage", "production", "--format", "json")

    assert result.code == 0, result.err
    findings = json_out(result)["findings"]
    [note] = [f for f in findings if f["path"] == "webhooks"]
    assert note["severity"] == "note" and note["rule"] == "DS803"
    assert "environment.webhooks.read" in note["message"] and "DS801" in note["message"]
    assert "DS801" not in {f["rule"] for f in findings}  # skipped, not judged on nothing
    with make_client(cli.emulator, token=settings_only_token, retry=NO_RETRY) as client:
        assert client.get_environment(LIVE).id == LIVE


def test_a_webhook_list_a_stage_manages_must_be_readable(
    cli: Cli, settings_only_token: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DYNAMIC_API_TOKEN", settings_only_token)
    cli.write(policy())

    result = cli("plan", "dynamic-security.yaml", "--stage", "production")

    assert result.code == 4
    assert "environment.webhooks.read" in result.err
    assert "Traceback" not in result.err
