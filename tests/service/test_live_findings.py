"""Live findings (docs/rules.md#live-findings): the rules on the environment as it is now,
every area, managed or not, beside the findings on the settings after apply; they never
block; waivers cover them too, and a waiver that only a live finding used is not unused.

The demo seed's live environment starts with `https://*.example.com` and
`http://localhost:3000` as origins, a 30-day JWT in localstorage, MFA off, an unmanaged
API token, a test account and no captcha (docs/emulator.md#seeds). The test account (DS603,
an error in production) is an audit: no policy area removes it, so it is a live finding and
a finding after apply alike, and never blocks.
"""

from __future__ import annotations

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.rules.base import Finding
from pulumi_dynamic_security.service.plan import Plan, plan_stage
from tests.support.dated import fill_dates
from tests.support.ids import LIVE
from tests.support.policies import policy_text, stage_of

CLEAN_ORIGINS = "    allowed_origins: [https://app.example.com]\n"


def plan(client: DynamicClient, body: str, waivers: str = "") -> Plan:
    return plan_stage(client, stage_of(fill_dates(policy_text(LIVE, body) + waivers)),
                      auth_token_checksum=None)


def waiver(rule: str, reason: str, expires: str, *values: str) -> str:
    """One entry of `waivers:` (`expires` as `{{today+N}}` or `{{today-N}}`)."""
    listed = f"    values: [{', '.join(repr(v) for v in values)}]\n" if values else ""
    return (f"  - rule: {rule}\n{listed}    reason: {reason}\n"
            f'    expires: "{{{{{expires}}}}}"\n')


def rules(findings: list[Finding], *, severity: str | None = None) -> list[str]:
    return sorted({f.rule for f in findings
                   if severity is None or f.severity.value == severity})


def test_what_apply_would_remove_is_still_exposed_now_and_never_blocks(
        client: DynamicClient) -> None:
    planned = plan(client, CLEAN_ORIGINS)

    assert rules(planned.findings, severity="error") == ["DS603"]  # what no apply removes
    assert not any(f.managed for f in planned.findings if f.rule == "DS603")
    assert rules(planned.live_findings, severity="error") == ["DS102", "DS103", "DS104",
                                                              "DS603"]
    assert planned.exposed and not planned.blocked
    assert all(f.file is None and f.line is None for f in planned.live_findings
               if f.path.startswith("allowed_origins"))
    assert not any(f.blocks for f in planned.live_findings)


def test_an_area_the_stage_does_not_manage_is_judged_live_too(client: DynamicClient) -> None:
    planned = plan(client, "    jwt_lifetime: 2h\n")

    assert rules(planned.live_findings, severity="error") == ["DS102", "DS103", "DS104",
                                                              "DS603"]
    # The effective settings hold the same live origins: reported unmanaged, never blocking.
    assert rules(planned.findings, severity="error") == ["DS102", "DS103", "DS104", "DS603"]
    assert not planned.blocked and planned.exposed
    # The live JWT (30d) is what is exposed now; after apply it is the declared 2h.
    assert "DS201" in rules(planned.live_findings) and "DS201" not in rules(planned.findings)


def test_rules_on_the_declaration_alone_are_not_repeated_live(client: DynamicClient) -> None:
    planned = plan(client, CLEAN_ORIGINS + """\
    api_tokens:
      - name: ci
        scopes: [environment.settings.read]
        rotate_every: 400d
        overlap: 1d
""")

    assert "DS502" in rules(planned.findings, severity="error") and planned.blocked
    assert "DS502" not in rules(planned.live_findings)
    bare = plan(client, CLEAN_ORIGINS)
    assert "DS501" in rules(bare.findings) and "DS501" not in rules(bare.live_findings)


def test_a_waiver_covers_live_findings_and_one_used_only_live_is_not_unused(
        client: DynamicClient) -> None:
    planned = plan(client, CLEAN_ORIGINS, "waivers:\n" + waiver(
        "DS102", "wildcard tenants, removed by the next apply", "today+30",
        "https://*.example.com"))

    [wildcard] = [f for f in planned.live_findings if f.rule == "DS102"]
    assert wildcard.waived
    assert wildcard.waiver_reason == "wildcard tenants, removed by the next apply"
    assert "DS902" not in rules(planned.findings)  # the live evaluation used it
    assert rules(planned.live_findings, severity="error") == ["DS102", "DS103", "DS104",
                                                              "DS603"]
    assert [f.rule for f in planned.live_findings if f.exposes] == ["DS103", "DS104", "DS603"]


def test_a_waiver_neither_evaluation_used_is_reported_once_with_the_findings(
        client: DynamicClient) -> None:
    planned = plan(client, CLEAN_ORIGINS, "waivers:\n" + waiver(
        "DS102", "not here", "today+30", "https://*.elsewhere.example"))

    assert [f.rule for f in planned.findings].count("DS902") == 1
    assert "DS902" not in rules(planned.live_findings)
    assert "DS901" not in rules(planned.live_findings)


def test_an_expired_waiver_covers_no_live_finding(client: DynamicClient) -> None:
    planned = plan(client, CLEAN_ORIGINS, "waivers:\n" + waiver("DS103", "old", "today-1"))

    assert "DS901" in rules(planned.findings)
    assert not any(f.waived for f in planned.live_findings)


def test_a_clean_environment_is_not_exposed(client: DynamicClient) -> None:
    body = """\
    jwt_lifetime: 30d
    token_storage: localstorage
    allowed_origins: ["https://*.example.com", "http://localhost:3000"]
"""
    waivers = "".join(waiver(rule, "accepted for this test", "today+30")
                      for rule in ("DS102", "DS103", "DS104", "DS603"))
    planned = plan(client, body, "waivers:\n" + waivers)

    assert planned.changes == []
    assert not planned.exposed and not planned.blocked
    assert {f.rule for f in planned.live_findings if f.waived} == {"DS102", "DS103", "DS104",
                                                                   "DS603"}
