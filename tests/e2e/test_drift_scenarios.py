"""Drift that tells the truth: dashboard edits after a clean apply, and what drift says.

Every stage of examples/dynamic-security.yaml is applied to the emulator (over HTTP), then
one edit is made the way Dynamic's dashboard makes it (the admin API, with the admin token),
or time passes until a token is overdue. `dynsec drift` (JSON and markdown, in this process)
must then report, for each edit: the live findings (the rules on the environment as it is
now), which stages are exposed (an unwaived live error), each change's `live_effect` (how
live stands against the policy) and the markdown's headline, which leads with exposure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.api.client import DynamicClient
from tests.security.hostile import render_markdown
from tests.support.cli import Cli, json_out
from tests.support.clients import clear_live_audits, make_client
from tests.support.ids import LIVE, SECOND_SANDBOX

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dynamic-security.yaml"
MARKER = "<!-- dynsec:drift:dynamic-security.yaml -->"
Edit = Callable[[DynamicClient], None]


def applied(cli: Cli) -> None:
    """Every stage of the example policy applied, and what the audits ask that no apply does
    done by hand (the seed's test account deleted, DS603; a captcha on, DS703): drift then
    finds nothing."""
    cli.write(EXAMPLE.read_text(encoding="utf-8"))
    for stage in ("dev", "staging", "production"):
        result = cli("apply", "dynamic-security.yaml", "--stage", stage, "--yes",
                     "--secrets-out", f"tokens-{stage}.json")
        assert result.code == 0, result.err
    clear_live_audits(cli.emulator)


def security(client: DynamicClient, environment_id: str, change: Callable[[dict[str, Any]], None]
             ) -> None:
    """Read the settings document, change `security` in place, PUT it back (the dashboard)."""
    document = client.get_environment(environment_id).settings_copy()
    change(document["security"])
    client.update_settings(environment_id, document)


def _mfa(section: dict[str, Any]) -> dict[str, Any]:
    mfa: dict[str, Any] = section.setdefault("mfa", {})
    return mfa


def jwt(days: int | None = None, hours: int | None = None) -> Edit:
    amount, unit = (days, "days") if days is not None else (hours, "hours")
    return lambda c: security(c, LIVE, lambda s: s.update(jwtDuration={"amount": amount,
                                                                     "unit": unit}))


def storage(environment_id: str, mode: str) -> Edit:
    return lambda c: security(c, environment_id,
                              lambda s: s.setdefault("auth", {}).update(storage=[mode]))


def mfa_off(section: dict[str, Any]) -> None:
    mfa = _mfa(section)
    for method in mfa.get("methods", []):
        method["enabled"] = False
    mfa["enabled"] = False


def login_not_required(section: dict[str, Any]) -> None:
    _mfa(section)["required"] = False


def export_without_mfa(section: dict[str, Any]) -> None:
    for action in _mfa(section).get("actions", []):
        if action.get("action") == "wallet.waas.export":
            action["required"] = False


def no_backup_codes(section: dict[str, Any]) -> None:
    for method in _mfa(section).get("methods", []):
        method["allowBackupCodes"] = False


def email_added(section: dict[str, Any]) -> None:
    methods = _mfa(section).setdefault("methods", [])
    methods[:] = [m for m in methods if m.get("type") != "email"]
    methods.append({"type": "email", "enabled": True, "allowBackupCodes": True})


def add_origins(environment_id: str, *origins: str) -> Edit:
    def edit(client: DynamicClient) -> None:
        for origin in origins:
            client.add_origin(environment_id, origin)
    return edit


def remove_origin(environment_id: str, origin: str) -> Edit:
    def edit(client: DynamicClient) -> None:
        [record] = [o for o in client.list_origins(environment_id) if o.origin == origin]
        client.delete_origin(record.id)
    return edit


def production(*changes: Callable[[dict[str, Any]], None]) -> Edit:
    def change_all(section: dict[str, Any]) -> None:
        for change in changes:
            change(section)
    return lambda client: security(client, LIVE, change_all)


def the_issue(client: DynamicClient) -> None:
    """Production's JWT to 30 days in localStorage, MFA off, two origins added."""
    def weaken(section: dict[str, Any]) -> None:
        section["jwtDuration"] = {"amount": 30, "unit": "days"}
        section.setdefault("auth", {})["storage"] = ["localstorage"]
        mfa_off(section)
        login_not_required(section)
        for action in _mfa(section).get("actions", []):
            action["required"] = False
    security(client, LIVE, weaken)
    add_origins(LIVE, "https://*.vercel.app", "http://localhost:3000")(client)


@dataclass(frozen=True)
class Scenario:
    edit: Edit | None
    live_errors: dict[str, list[str]]  # stage -> the rules of its unwaived live errors
    live_effects: list[tuple[str, str, str]]  # (stage, path, live_effect), in plan order
    headline: str  # what the verdict line says after the marker
    # stage -> the rules of its live warnings, but production's DS504 (the seed's legacy
    # deploy key, which no stage manages, is there in every scenario)
    live_warnings: dict[str, list[str]] = field(default_factory=dict)
    days_later: int = 0  # time passes before drift runs


DRIFTED = "**dynsec drift**: "
CLEAN_PAIR = "✅ 2 stages clean: `dev`, `staging`"

SCENARIOS = {
    "jwt-lengthened": Scenario(
        jwt(days=30), {}, [("production", "jwt_lifetime", "weaker")],
        f"{DRIFTED}**1 of 3 stages drifted**: `production` (1 change: 🔴 live is weaker in 1)"
        f" · {CLEAN_PAIR}",
        live_warnings={"production": ["DS201"]}),
    "jwt-shortened": Scenario(
        jwt(hours=1), {}, [("production", "jwt_lifetime", "stronger")],
        f"{DRIFTED}**1 of 3 stages drifted**: `production` (1 change: live is stronger in 1)"
        f" · {CLEAN_PAIR}"),
    "jwt-to-localstorage": Scenario(
        storage(LIVE, "localstorage"), {}, [("production", "token_storage", "weaker")],
        f"{DRIFTED}**1 of 3 stages drifted**: `production` (1 change: 🔴 live is weaker in 1)"
        f" · {CLEAN_PAIR}",
        live_warnings={"production": ["DS301"]}),
    "staging-to-cookie": Scenario(
        storage(SECOND_SANDBOX, "cookie"), {}, [("staging", "token_storage", "stronger")],
        f"{DRIFTED}**1 of 3 stages drifted**: `staging` (1 change: live is stronger in 1)"
        " · ✅ 2 stages clean: `dev`, `production`"),
    # With no method enabled, live backup codes are unknown (not set): a neutral change.
    "mfa-methods-off": Scenario(
        production(mfa_off), {"production": ["DS401"]},
        [("production", "mfa.backup_codes", "neutral"), ("production", "mfa.methods", "weaker"),
         ("production", "mfa.methods", "weaker")],
        f"{DRIFTED}🔴 `production` is exposed now: 1 error live (DS401) · **1 of 3 stages "
        f"drifted**: `production` (3 changes: 🔴 live is weaker in 2, 1 neutral) · "
        f"{CLEAN_PAIR}"),
    "mfa-login-off": Scenario(
        production(login_not_required), {}, [("production", "mfa.require_at_login", "weaker")],
        f"{DRIFTED}**1 of 3 stages drifted**: `production` (1 change: 🔴 live is weaker in 1)"
        f" · {CLEAN_PAIR}"),
    # DS202 stays silent: production's 2h JWT is within limits.wallet_jwt_max.
    "mfa-export-unprotected": Scenario(
        production(export_without_mfa), {"production": ["DS403"]},
        [("production", "mfa.require_for_actions", "weaker")],
        f"{DRIFTED}🔴 `production` is exposed now: 1 error live (DS403) · **1 of 3 "
        f"stages drifted**: `production` (1 change: 🔴 live is weaker in 1) · {CLEAN_PAIR}"),
    "mfa-backup-codes-off": Scenario(
        production(no_backup_codes), {}, [("production", "mfa.backup_codes", "neutral")],
        f"{DRIFTED}**1 of 3 stages drifted**: `production` (1 change: 1 neutral) · "
        f"{CLEAN_PAIR}"),
    "mfa-email-added": Scenario(
        production(email_added), {}, [("production", "mfa.methods", "stronger")],
        f"{DRIFTED}**1 of 3 stages drifted**: `production` (1 change: live is stronger in 1)"
        f" · {CLEAN_PAIR}"),
    "origin-wildcard-added": Scenario(
        add_origins(LIVE, "https://*.vercel.app"), {"production": ["DS102"]},
        [("production", "allowed_origins", "weaker")],
        f"{DRIFTED}🔴 `production` is exposed now: 1 error live (DS102) · **1 of 3 stages "
        f"drifted**: `production` (1 change: 🔴 live is weaker in 1) · {CLEAN_PAIR}"),
    "origin-removed": Scenario(
        remove_origin(LIVE, "https://www.acme-wallet.com"), {},
        [("production", "allowed_origins", "stronger")],
        f"{DRIFTED}**1 of 3 stages drifted**: `production` (1 change: live is stronger in 1)"
        f" · {CLEAN_PAIR}"),
    "staging-plain-http-added": Scenario(
        add_origins(SECOND_SANDBOX, "http://staging.acme-wallet.com"), {},
        [("staging", "allowed_origins", "weaker")],
        f"{DRIFTED}**1 of 3 stages drifted**: `staging` (1 change: 🔴 live is weaker in 1) · "
        "✅ 2 stages clean: `dev`, `production`",
        live_warnings={"staging": ["DS104"]}),
    # 100 days on, every stage's ci-deployer token is past rotate_every + overlap (97d): an
    # error in production, a warning elsewhere.
    "token-overdue": Scenario(
        None, {"production": ["DS503"]},
        [("dev", "api_tokens[0]", "weaker"), ("staging", "api_tokens[0]", "weaker"),
         ("production", "api_tokens[0]", "weaker")],
        f"{DRIFTED}🔴 `production` is exposed now: 1 error live (DS503) · **3 of 3 stages "
        "drifted**: `dev`, `staging`, `production` (3 changes: 🔴 live is weaker in 3)",
        live_warnings={"dev": ["DS503"], "staging": ["DS503"]}, days_later=100),
    "the-issue": Scenario(
        the_issue, {"production": ["DS102", "DS103", "DS104", "DS202", "DS401", "DS403"]},
        [("production", path, effect) for path, effect in [
            ("jwt_lifetime", "weaker"), ("token_storage", "weaker"),
            ("mfa.backup_codes", "neutral"), ("mfa.methods", "weaker"),
            ("mfa.methods", "weaker"), ("mfa.require_at_login", "weaker"),
            ("mfa.require_for_actions", "weaker"), ("mfa.require_for_actions", "weaker"),
            ("allowed_origins", "weaker"), ("allowed_origins", "weaker")]],
        f"{DRIFTED}🔴 `production` is exposed now: 6 errors live (DS102, DS103, DS104, DS202, "
        "DS401, DS403) · **1 of 3 stages drifted**: `production` (10 changes: 🔴 live is "
        f"weaker in 9, 1 neutral) · {CLEAN_PAIR}",
        live_warnings={"production": ["DS201", "DS301"]}),
}


def _rules(plan: dict[str, Any], severity: str) -> list[str]:
    return sorted({f["rule"] for f in plan["live_findings"]
                   if f["severity"] == severity and not f["waived"]})


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_drift_after_a_dashboard_edit(cli: Cli, monkeypatch: pytest.MonkeyPatch,
                                      name: str) -> None:
    scenario = SCENARIOS[name]
    applied(cli)
    if scenario.edit is not None:
        with make_client(cli.emulator) as admin:
            scenario.edit(admin)
    if scenario.days_later:
        later = clock.utc_now() + timedelta(days=scenario.days_later)
        monkeypatch.setattr(clock, "utc_now", lambda: later)
        monkeypatch.setattr(clock, "utc_today", lambda: later.date())

    report = json_out(cli("drift", "dynamic-security.yaml", "--format", "json"))
    comment = cli("drift", "dynamic-security.yaml", "--format", "markdown")

    stages = {plan["stage"]: plan for plan in report["stages"]}
    assert {s: _rules(p, "error") for s, p in stages.items() if _rules(p, "error")} \
        == scenario.live_errors
    warnings = {s: _rules(p, "warning") for s, p in stages.items() if _rules(p, "warning")}
    expected_warnings = {**scenario.live_warnings}
    expected_warnings["production"] = sorted({*expected_warnings.get("production", ()), "DS504"})
    assert warnings == {stage: expected_warnings[stage] for stage in stages
                        if stage in expected_warnings}
    assert report["exposed"] == list(scenario.live_errors)
    assert [stage for stage, plan in stages.items() if plan["exposed"]] == report["exposed"]
    assert [(plan["stage"], change["path"], change["live_effect"])
            for plan in report["stages"] for change in plan["changes"]] == scenario.live_effects
    assert all(change["origin"] is None for plan in report["stages"]
               for change in plan["changes"])  # no --base-policy
    assert not any(plan["blocked"] for plan in report["stages"])  # live findings never block
    marker, verdict = comment.out.splitlines()[:2]
    assert (marker, verdict) == (MARKER, scenario.headline)
    html = render_markdown(comment.out)
    assert html.startswith("<!-- dynsec:drift:dynamic-security.yaml -->")  # hidden
    for stage in scenario.live_errors:
        assert f"🔴 <code>{stage}</code> — exposed now" in html


@pytest.mark.slow
def test_the_issue_before_and_after_apply(cli: Cli) -> None:
    """After the dashboard edit of the issue, apply production: exposure and drift are gone."""
    applied(cli)
    with make_client(cli.emulator) as admin:
        the_issue(admin)
    before = json_out(cli("drift", "dynamic-security.yaml", "--format", "json"))

    assert cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes").code == 0
    after = json_out(cli("drift", "dynamic-security.yaml", "--format", "json"))

    assert (before["exposed"], before["drifted"]) == (["production"], ["production"])
    assert (after["exposed"], after["drifted"]) == ([], [])
    [production] = [plan for plan in after["stages"] if plan["stage"] == "production"]
    assert _rules(production, "error") == []
    assert [f["rule"] for f in production["live_findings"]] == ["DS504"]
