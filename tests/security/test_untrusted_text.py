"""Untrusted text through every renderer, planted where an attacker would plant it:

* token notes, set through the normal token POST (production) and through the emulator's
  control route (staging): DS504 findings quote them;
* origins as Dynamic lists them, and the environment's kind (`environmentName`), in the
  emulator's state (its API refuses such origins, Dynamic's may not): production manages
  origins, so they show as removals; staging does not, so the rules judge them as read (a
  kind other than `sandbox` or `live` is never shown);
* waiver reasons, in the policy: one per hostile string, each waiving one wildcard origin of
  dev;
* webhooks as Dynamic lists them, in the emulator's state (its API refuses such urls and
  events): one per hostile string as its url (production manages webhooks, so DS803 quotes
  each), and the declared one with every hostile string as an event (so the update that
  plan shows quotes them); and the test account's e-mail (DS603 quotes it).

Then `validate` (text, json, sarif), `plan` of each stage and `drift` (text, json, markdown):
text passes `check_text` (no raw control character, no line a CI runner reads as a workflow
command), markdown passes `check_markdown` (rendered by cmark-gfm: no HTML element, link,
image, mention or issue reference from the data, tables keep their columns) and shows each
reason as written, and JSON and SARIF carry every string unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle, running_emulator
from pulumi_dynamic_security.escaping import controls
from pulumi_dynamic_security.mapping.allowed_origins import normalized
from tests.security.hostile import HOSTILE, check_markdown, check_text, visible_text
from tests.support.cli import Result, dynsec, point_at, write_policy
from tests.support.clients import make_client
from tests.support.ids import LIVE, SANDBOX, SECOND_SANDBOX
from tests.support.tokens import plant

NAMES = sorted(HOSTILE)
VALUES = [HOSTILE[name] for name in NAMES]
KIND = "</td><h1>sandbox</h1>\n::error::kind @team"
SCOPES = ["environment.settings.read"]
DECLARED_WEBHOOK = "https://hooks.example.com/dynamic"


def _policy() -> str:
    wildcards = [f"https://*.w{index}.example.com" for index in range(len(VALUES))]
    waivers = "".join(
        f"  - rule: DS102\n    stages: [dev]\n    values: [\"{origin}\"]\n"
        f"    reason: {json.dumps(reason)}\n    expires: {{{{today+60}}}}\n"
        for origin, reason in zip(wildcards, VALUES, strict=True)
    )
    return (
        "version: 1\nstages:\n"
        f"  dev:\n    environment_id: {SANDBOX}\n    allowed_origins:\n"
        + "".join(f"      - \"{origin}\"\n" for origin in wildcards)
        + f"  production:\n    environment_id: {LIVE}\n"
        "    allowed_origins: [https://app.example.com]\n"
        "    webhooks:\n      - name: audit\n"
        f"        url: {DECLARED_WEBHOOK}\n"
        "        events: [user.session.revoked, admin.user.session.revoked]\n"
        f"  staging:\n    environment_id: {SECOND_SANDBOX}\n    production: false\n"
        f"waivers:\n{waivers}"
    )


@pytest.fixture(scope="module")
def hostile_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorHandle]:
    """An emulator whose state holds every hostile string as a token note, a listed origin
    and (staging) the environment's kind."""
    with running_emulator(seed="demo") as seeded:
        with make_client(seeded) as client:
            for note in VALUES:  # the normal API: any note of at most 100 characters
                client.create_token(LIVE, note, SCOPES)
        for note in VALUES:  # the control route: tokens someone made in the dashboard
            plant(seeded, None, note=note, environment_id=SECOND_SANDBOX)
        state = seeded.state()
    origins = state["origins"]
    for index, value in enumerate(VALUES):
        for environment_id in (LIVE, SECOND_SANDBOX):
            origins.append({"id": f"0d000000-0000-4000-8000-{index:06d}{environment_id[-6:]}",
                            "environment_id": environment_id, "origin": value,
                            "created_at": "2026-01-01T00:00:00.000Z"})
    for environment in state["environments"]:
        if environment["id"] == SECOND_SANDBOX:
            environment["settings"]["environmentName"] = KIND
        if environment["id"] == LIVE:
            environment["test_account"]["email"] = HOSTILE["newline-command"]
    for index, value in enumerate([DECLARED_WEBHOOK, *VALUES]):
        state["webhooks"].append({
            "id": f"0f000000-0000-4000-8000-{index:012d}", "environment_id": LIVE,
            "url": value, "events": VALUES if value == DECLARED_WEBHOOK else ["user.created"],
            "is_enabled": True, "secret": f"whsec-{index:08d}",
            "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
            "enabled_at": None,
        })
    path = tmp_path_factory.mktemp("hostile") / "state.json"
    path.write_text(json.dumps(state), encoding="utf-8")
    with running_emulator(state_path=path) as handle:
        yield handle


@pytest.fixture
def run(hostile_emulator: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    monkeypatch.chdir(tmp_path)
    point_at(monkeypatch, hostile_emulator.base_url, hostile_emulator.token)
    monkeypatch.setenv("NO_COLOR", "1")
    write_policy(tmp_path, _policy())

    def invoke(*argv: str) -> Result:
        result = dynsec(capsys, *argv)
        assert result.code in (0, 1, 2), result.err  # never 3, 4 or an internal error
        check_text(result.err)
        return result

    yield invoke


def _reasons(findings: list[dict[str, Any]]) -> list[str]:
    return sorted(f["waiver_reason"] for f in findings if f["waived"])


@pytest.mark.slow
def test_validate_in_every_format(run: Any) -> None:
    text = run("validate", "dynamic-security.yaml")
    check_text(text.out)
    as_json = run("validate", "dynamic-security.yaml", "--format", "json")
    check_text(as_json.out)  # what a terminal would act on is a JSON escape
    report = as_json.json()
    findings = [f for result in report["results"] for f in result["findings"]]
    assert _reasons(findings) == sorted(VALUES)  # JSON: each reason exactly as written
    as_sarif = run("validate", "dynamic-security.yaml", "--format", "sarif")
    check_text(as_sarif.out)
    sarif = as_sarif.json()
    justifications = sorted(
        s["justification"] for run in sarif["runs"] for r in run["results"]
        for s in r.get("suppressions", [])
    )
    assert justifications == sorted(VALUES)  # SARIF: likewise


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["dev", "production", "staging"])
def test_plan_in_every_format(run: Any, stage: str) -> None:
    check_text(run("plan", "dynamic-security.yaml", "--stage", stage).out)
    html = check_markdown(run("plan", "dynamic-security.yaml", "--stage", stage, "--format",
                              "markdown").out)
    as_json = run("plan", "dynamic-security.yaml", "--stage", stage, "--format", "json")
    check_text(as_json.out)
    plan = as_json.json()
    shown = visible_text(html)
    if stage == "dev":  # every waiver reason, shown as written (control characters escaped)
        assert _reasons(plan["findings"]) == sorted(VALUES)
        for reason in VALUES:
            assert controls(reason).strip() in shown, reason
    if stage == "production":  # hostile origins as read, removed; notes quoted by DS504
        removed = {c["before"] for c in plan["changes"] if c["action"] == "remove"}
        assert {normalized(value) for value in VALUES} <= removed  # with the seed's own
        messages = " ".join(f["message"] for f in plan["findings"])
        assert all(repr(note) in messages for note in VALUES)
        # webhook urls quoted by DS803, events by the update, the test account's e-mail
        unmanaged = " ".join(f["message"] for f in plan["findings"] if f["rule"] == "DS803")
        assert all(f"url {url}, " in unmanaged for url in VALUES)  # JSON: exactly as listed
        [update] = [c for c in plan["changes"] if c["area"] == "webhooks"]
        assert update["before"]["events"] == sorted(VALUES)
        assert any(HOSTILE["newline-command"] in f["message"] for f in plan["findings"]
                   if f["rule"] == "DS603")
        assert "</td></tr></table><h1>LGTM, safe to merge</h1>" in shown
        assert "![x](http://evil.example/x.png)" in shown
    if stage == "staging":  # origins judged as read; a kind that is not sandbox/live unshown
        assert "sandbox</h1>" not in shown and "kind @" not in shown
        messages = " ".join(f["message"] for f in plan["findings"])
        assert all(repr(note) in messages for note in VALUES)


@pytest.mark.slow
def test_drift_in_every_format(run: Any) -> None:
    check_text(run("drift", "dynamic-security.yaml").out)
    markdown = run("drift", "dynamic-security.yaml", "--format", "markdown").out
    shown = visible_text(check_markdown(markdown))
    assert "@security-team" in shown and "#42" in shown  # shown, but linked by nothing
    assert "&#8203;" in markdown  # the break GitHub renders invisibly
    as_json = run("drift", "dynamic-security.yaml", "--format", "json")
    check_text(as_json.out)
    report = as_json.json()
    dev = next(plan for plan in report["stages"] if plan["stage"] == "dev")
    assert _reasons(dev["findings"]) == sorted(VALUES)
