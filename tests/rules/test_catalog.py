"""The rule catalogue: ids and names are public interface (docs/rules.md#the-catalogue), and the
README shows it."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from pulumi_dynamic_security.cli.main import run
from pulumi_dynamic_security.errors import PolicyFileError
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.policy.rule_ids import RULE_IDS
from pulumi_dynamic_security.rules import links
from pulumi_dynamic_security.rules.base import JudgedSettings, RuleContext
from pulumi_dynamic_security.rules.catalog import (
    RULES,
    rule_by_id,
    rule_ids,
    rules_table_markdown,
    rules_text,
)
from pulumi_dynamic_security.rules.engine import WAIVER_EXPIRED, WAIVER_UNUSED

README = Path(__file__).resolve().parents[2] / "README.md"

# The catalogue, copied on purpose: id -> (name, production, other). Changing one is a breaking
# change.
CATALOGUE = {
    "DS101": ("origins-empty", "error", "warning"),
    "DS102": ("origin-wildcard", "error", "note"),
    "DS103": ("origin-local", "error", "-"),
    "DS104": ("origin-plain-http", "error", "warning"),
    "DS105": ("origin-confusable", "warning", "note"),
    "DS201": ("jwt-long", "warning", "-"),
    "DS202": ("jwt-long-wallets-no-mfa", "error", "warning"),
    "DS301": ("jwt-in-localstorage", "warning", "-"),
    "DS302": ("cookie-without-hostname", "error", "warning"),
    "DS401": ("mfa-off", "warning", "-"),
    "DS402": ("sms-sole-factor", "error", "warning"),
    "DS403": ("wallet-export-no-mfa", "warning", "-"),
    "DS404": ("mfa-email-only", "warning", "-"),
    "DS501": ("no-token-rotation", "warning", "-"),
    "DS502": ("rotation-too-slow", "warning", "warning"),
    "DS503": ("token-overdue", "error", "warning"),
    "DS504": ("token-unmanaged", "warning", "note"),
    "DS601": ("stage-environment-mismatch", "warning", "warning"),
    "DS602": ("app-facts-mismatch", "warning", "warning"),
    "DS603": ("test-account-live", "error", "-"),
    "DS701": ("external-auth-insecure-jwks", "error", "warning"),
    "DS702": ("external-auth-no-audience", "error", "warning"),
    "DS703": ("captcha-off", "warning", "-"),
    "DS801": ("session-events-unmonitored", "warning", "-"),
    "DS802": ("security-notification-off", "warning", "-"),
    "DS803": ("webhook-unmanaged", "note", "note"),
    "DS804": ("environment-locked", "warning", "warning"),
    "DS901": ("waiver-expired", "warning", "warning"),
    "DS902": ("waiver-unused", "warning", "warning"),
}
LIVE_RULES = {"DS302", "DS503", "DS504", "DS601", "DS602", "DS603", "DS703", "DS803", "DS804"}
ESCALATING_RULES = {"DS401", "DS403", "DS502", "DS802"}


def test_ids_are_unique_sorted_and_derived_from_the_registry() -> None:
    ids = [rule.id for rule in RULES]
    assert ids == sorted(set(ids))
    assert rule_ids() == tuple(ids)
    assert {WAIVER_EXPIRED, WAIVER_UNUSED} <= set(ids)


def test_the_ids_a_waiver_may_name_are_the_catalogue_in_its_order() -> None:
    assert rule_ids() == RULE_IDS


def test_ids_names_and_severities_match_the_catalogue() -> None:
    actual = {
        rule.id: (rule.name, *rule.describe()["severity"].values()) for rule in RULES
    }
    assert actual == CATALOGUE


def test_every_rule_is_documented() -> None:
    for rule in RULES:
        assert rule.summary and rule.remediation and rule.__doc__, rule.id
        assert rule.remediation.endswith("."), rule.id
        assert "`" in rule.remediation, f"{rule.id}: the remediation names no policy key"
        assert rule.doc_url.startswith("https://"), rule.id
        if rule.area == "waivers":
            assert rule.doc_url == links.README_WAIVERS
        else:
            assert re.match(r"https://(www|docs)\.dynamic\.xyz/", rule.doc_url), rule.id


def test_live_rules_are_marked_in_their_summary() -> None:
    assert {rule.id for rule in RULES if rule.live} == LIVE_RULES
    for rule in RULES:
        assert rule.summary.startswith("(live)") is rule.live, rule.id


def test_only_the_escalating_rules_carry_a_severity_note() -> None:
    assert {rule.id for rule in RULES if rule.severity_note} == ESCALATING_RULES


def test_rule_by_id() -> None:
    assert rule_by_id("DS301").name == "jwt-in-localstorage"
    with pytest.raises(KeyError, match="DS999"):
        rule_by_id("DS999")


def test_waiver_rules_are_metadata_only() -> None:
    policy = SecurityPolicy.from_text(
        "version: 1\nstages:\n  dev:\n    environment_id: 3f0c0000-0000-4000-8000-000000000001\n"
    )
    context = RuleContext(stage=policy.stage("dev"), settings=JudgedSettings())
    for rule_id in (WAIVER_EXPIRED, WAIVER_UNUSED):
        assert list(rule_by_id(rule_id).check(context)) == []


def test_the_loader_accepts_exactly_the_catalogue_ids_in_waivers() -> None:
    text = """\
version: 1
stages:
  dev:
    environment_id: 3f0c0000-0000-4000-8000-000000000001
waivers:
  - {rule: DS103, reason: ok, expires: 2026-12-31}
  - {rule: DS1O3, reason: typo, expires: 2026-12-31}
"""
    with pytest.raises(PolicyFileError, match=r"DS1O3.*did you mean 'DS103'"):
        SecurityPolicy.from_text(text, today=date(2026, 6, 1))


def test_markdown_table_has_one_row_per_rule_with_the_catalogue_cells() -> None:
    lines = rules_table_markdown().splitlines()
    assert lines[0] == "| id | name | when | prod | other |"
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines[2:]}
    assert list(rows) == list(CATALOGUE)
    assert rows["DS401"].endswith("| warning (error if `app.high_value`) | - |")
    assert rows["DS502"].endswith("| warning (error above 365d) | warning |")
    assert rows["DS103"].endswith("| error | - |")


def test_readme_rule_table_is_the_generated_one() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    table = "".join(line + "\n" for line in block.splitlines() if line.startswith("|"))
    assert table == rules_table_markdown(), (
        "README's rule table is stale: paste `dynsec rules --format markdown` between the "
        "rules markers"
    )


def test_readme_has_the_waivers_section_the_ds9xx_rules_link() -> None:
    assert links.README_WAIVERS.endswith("#waivers")
    assert re.search(r"^## Waivers$", README.read_text(encoding="utf-8"), re.MULTILINE)


def test_text_table_is_aligned_and_lists_every_rule() -> None:
    lines = rules_text().splitlines()
    header = lines[0]
    rows = [line for line in lines[1:] if line.startswith("DS")]
    assert [row.split()[0] for row in rows] == list(CATALOGUE)
    for row in rows:
        assert row.index(row.split()[1]) == header.index("NAME")
    assert max(len(line) for line in lines) <= 100
    assert "`" not in rules_text()


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_dynsec_rules_exits_0_in_every_format(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["rules", "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "markdown":
        assert out == rules_table_markdown()
    elif fmt == "json":
        described = json.loads(out)
        assert [item["id"] for item in described] == list(CATALOGUE)
        for item in described:
            assert set(item) == {
                "id", "name", "area", "severity", "summary", "remediation", "doc_url",
            }
            assert set(item["severity"]) == {"production", "other"}
    else:
        assert out == rules_text()


def test_dynsec_rules_default_is_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["rules"]) == 0
    assert capsys.readouterr().out == rules_text()


def test_dynsec_rules_rejects_an_unknown_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["rules", "--format", "sarif"]) == 3
    assert "sarif" in capsys.readouterr().err
