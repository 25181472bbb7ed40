"""The engine around the rules: waivers (DS901/DS902), what blocks, and where findings point."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.rules.base import (
    Finding,
    JudgedSettings,
    LiveFacts,
    LiveToken,
    Severity,
)
from pulumi_dynamic_security.rules.catalog import rule_by_id
from pulumi_dynamic_security.rules.engine import StageReport, evaluate
from tests.support.output_contract import FINDING_KEYS

TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
PROD_ID = "9a7d0000-0000-4000-8000-000000000002"
DEV_ID = "3f0c0000-0000-4000-8000-000000000001"
STAGING_ID = "5b5b0000-0000-4000-8000-000000000003"


def _policy(text: str) -> SecurityPolicy:
    return SecurityPolicy.from_text(text, today=TODAY)


def _of(report: StageReport, rule: str) -> list[Finding]:
    return [finding for finding in report.findings if finding.rule == rule]


WILDCARDS = f"""\
version: 1
stages:
  production:
    environment_id: {PROD_ID}
    allowed_origins: ["https://*.preview.example.com", "https://*.example.com"]
"""


def test_a_waiver_marks_its_findings_waived_with_the_reason_and_they_never_block() -> None:
    policy = _policy(WILDCARDS + """\
waivers:
  - {rule: DS102, reason: Preview deployments per pull request, expires: 2026-12-31}
""")
    report = evaluate(policy.stage("production"), today=TODAY)
    wildcards = _of(report, "DS102")
    assert [f.waived for f in wildcards] == [True, True]
    assert {f.waiver_reason for f in wildcards} == {"Preview deployments per pull request"}
    assert all(f.severity is Severity.ERROR and not f.blocks for f in wildcards)
    assert not report.blocked
    assert not _of(report, "DS902")


def test_waiver_values_narrow_it_to_those_exact_normalized_values() -> None:
    policy = _policy(WILDCARDS + """\
waivers:
  - rule: DS102
    values: ["HTTPS://*.preview.EXAMPLE.com:443"]
    reason: Previews
    expires: 2026-12-31
""")
    report = evaluate(policy.stage("production"), today=TODAY)
    waived = {f.value: f.waived for f in _of(report, "DS102")}
    assert waived == {"https://*.preview.example.com": True, "https://*.example.com": False}
    assert report.blocked


def test_an_expired_waiver_is_ds901_at_the_waiver_and_the_finding_is_active_again() -> None:
    policy = _policy(WILDCARDS + """\
waivers:
  - {rule: DS301, reason: unrelated, expires: 2026-12-31}
  - {rule: DS102, reason: Previews, expires: 2026-05-31}
""")
    report = evaluate(policy.stage("production"), today=TODAY)
    [expired] = _of(report, "DS901")
    assert (expired.path, expired.line, expired.file) == ("waivers[1]", 8, "dynamic-security.yaml")
    assert expired.severity is Severity.WARNING
    assert not any(f.waived for f in _of(report, "DS102"))
    assert report.blocked
    # The expired waiver is not also "unused"; the other one is.
    assert [f.path for f in _of(report, "DS902")] == ["waivers[0]"]


def test_a_waiver_is_valid_through_its_expires_day() -> None:
    policy = _policy(WILDCARDS + """\
waivers:
  - {rule: DS102, reason: Previews, expires: 2026-06-01}
""")
    assert not evaluate(policy.stage("production"), today=TODAY).blocked
    assert evaluate(policy.stage("production"), today=TODAY + timedelta(days=1)).blocked


def test_an_unused_waiver_is_ds902_once_in_each_stage_it_lists() -> None:
    policy = _policy(f"""\
version: 1
stages:
  dev:
    environment_id: {DEV_ID}
  staging:
    environment_id: {STAGING_ID}
  production:
    environment_id: {PROD_ID}
waivers:
  - {{rule: DS102, stages: [dev, production], reason: Previews, expires: 2026-12-31}}
""")
    reports = {name: evaluate(stage, today=TODAY) for name, stage in policy.stages.items()}
    unused = {name: [(f.stage, f.path) for f in _of(r, "DS902")] for name, r in reports.items()}
    assert unused == {
        "dev": [("dev", "waivers[0]")],
        "staging": [],
        "production": [("production", "waivers[0]")],
    }


def test_offline_no_ds902_for_waivers_of_live_rules() -> None:
    policy = _policy(f"""\
version: 1
stages:
  production:
    environment_id: {PROD_ID}
waivers:
  - {{rule: DS504, reason: Vendor token, expires: 2026-12-31}}
  - {{rule: DS302, reason: Hostname on its way, expires: 2026-12-31}}
""")
    stage = policy.stage("production")
    assert not _of(evaluate(stage, today=TODAY), "DS902")
    online = evaluate(stage, live=LiveFacts(now=NOW, environment_name="live"), today=TODAY)
    assert [f.path for f in _of(online, "DS902")] == ["waivers[0]", "waivers[1]"]


def test_a_waiver_can_cover_a_live_finding_by_token_id() -> None:
    policy = _policy(f"""\
version: 1
stages:
  production:
    environment_id: {PROD_ID}
waivers:
  - {{rule: DS504, values: [tok-vendor], reason: Vendor integration, expires: 2026-12-31}}
""")
    tokens = tuple(
        LiveToken(id=token_id, note="by hand", checksum="abcdef", created_at=NOW)
        for token_id in ("tok-vendor", "tok-other")
    )
    report = evaluate(
        policy.stage("production"), live=LiveFacts(now=NOW, tokens=tokens), today=TODAY
    )
    assert {f.value: f.waived for f in _of(report, "DS504")} == {
        "tok-vendor": True, "tok-other": False,
    }


def test_findings_on_live_values_of_unmanaged_areas_are_reported_but_never_block() -> None:
    policy = _policy(f"""\
version: 1
stages:
  production:
    environment_id: {PROD_ID}
    jwt_lifetime: 2h
""")
    stage = policy.stage("production")
    settings = dataclasses.replace(
        JudgedSettings.declared(stage),
        allowed_origins=("http://app.example.com",),
        live_keys=frozenset({"allowed_origins"}),
    )
    report = evaluate(stage, settings=settings, live=LiveFacts(now=NOW), today=TODAY)
    [plain_http] = _of(report, "DS104")
    assert plain_http.severity is Severity.ERROR
    assert (plain_http.managed, plain_http.blocks, plain_http.file, plain_http.line) == (
        False, False, None, None,
    )
    assert not report.blocked


def test_findings_resolved_by_the_plan_never_block() -> None:
    policy = _policy(f"""\
version: 1
stages:
  production:
    environment_id: {PROD_ID}
    api_tokens:
      - {{name: ci-deployer, scopes: [environment.settings.read], rotate_every: 30d}}
""")
    old = LiveToken(
        id="tok-old", note="dynsec:ci-deployer:20260101T000000Z", checksum="abcdef",
        created_at=NOW - timedelta(days=151),
    )
    live = LiveFacts(now=NOW, environment_name="live", tokens=(old,))
    stage = policy.stage("production")

    unresolved = evaluate(stage, live=live, today=TODAY)
    assert unresolved.blocked

    resolved = evaluate(
        stage, live=live, today=TODAY,
        resolved=lambda f: f.rule == "DS503" and f.value == "tok-old",
    )
    [overdue] = _of(resolved, "DS503")
    assert overdue.resolved_by_plan and not overdue.blocks
    assert overdue.to_json()["resolved_by_plan"] is True
    assert not resolved.blocked


LOCATED = f"""\
version: 1
defaults:
  jwt_lifetime: 30d
  token_storage: localstorage
stages:
  production:
    environment_id: {PROD_ID}
    token_storage: localstorage
    allowed_origins:
      - https://app.example.com
      - http://app.example.com
"""


def test_findings_point_at_the_stage_then_defaults_then_the_stage_line() -> None:
    report = evaluate(_policy(LOCATED).stage("production"), today=TODAY)
    where = {f.rule: (f.path, f.file, f.line) for f in report.findings}
    assert where["DS104"] == ("allowed_origins[1]", "dynamic-security.yaml", 11)  # in the stage
    assert where["DS301"] == ("token_storage", "dynamic-security.yaml", 8)  # the stage wins
    assert where["DS201"] == ("jwt_lifetime", "dynamic-security.yaml", 3)  # from defaults
    assert where["DS501"] == ("api_tokens", "dynamic-security.yaml", 6)  # absent: the stage


def test_findings_about_live_objects_have_no_file_or_line() -> None:
    token = LiveToken(id="tok-1", note=None, checksum="abcdef", created_at=NOW)
    report = evaluate(
        _policy(LOCATED).stage("production"),
        live=LiveFacts(now=NOW, environment_name="live", tokens=(token,)),
        today=TODAY,
    )
    [unmanaged] = _of(report, "DS504")
    assert (unmanaged.file, unmanaged.line) == (None, None)
    assert unmanaged.to_json()["file"] is None


def test_offline_skips_live_rules_and_names_unmanaged_areas() -> None:
    policy = _policy(f"""\
version: 1
stages:
  production:
    environment_id: {PROD_ID}
    token_storage: cookie
""")
    report = evaluate(policy.stage("production"), today=TODAY)
    assert not [f for f in report.findings if rule_by_id(f.rule).live]
    assert report.skipped_areas == (
        "jwt_lifetime", "mfa", "external_auth", "notifications", "allowed_origins", "webhooks"
    )
    online = evaluate(policy.stage("production"), live=LiveFacts(now=NOW), today=TODAY)
    assert online.skipped_areas == ()


def test_errors_come_first_and_the_report_has_spec_json_keys() -> None:
    report = evaluate(_policy(LOCATED).stage("production"), today=TODAY)
    ranks = [f.severity.rank for f in report.findings]
    assert ranks == sorted(ranks)
    body = report.to_json()
    assert set(body) == {"stage", "production", "blocked", "findings"}
    assert set(body["findings"][0]) == FINDING_KEYS


def test_an_explicit_rule_list_runs_only_those_rules() -> None:
    report = evaluate(
        _policy(LOCATED).stage("production"), rules=[rule_by_id("DS201")], today=TODAY
    )
    assert {f.rule for f in report.findings} == {"DS201"}


def test_rotation_age_is_measured_from_created_at_to_now() -> None:
    policy = _policy(f"""\
version: 1
stages:
  production:
    environment_id: {PROD_ID}
    api_tokens:
      - {{name: ci-deployer, scopes: [environment.settings.read], rotate_every: 1d}}
""")
    allowed = timedelta(minutes=Duration.of(days=1).minutes)
    for age, overdue in ((allowed, False), (allowed + timedelta(seconds=1), True)):
        token = LiveToken(
            id="tok", note="dynsec:ci-deployer:20260531T120000Z", checksum="abcdef",
            created_at=NOW - age,
        )
        report = evaluate(
            policy.stage("production"), live=LiveFacts(now=NOW, tokens=(token,)), today=TODAY
        )
        assert bool(_of(report, "DS503")) is overdue
