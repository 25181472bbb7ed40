"""Every rule against the cases in `cases/<ID>.yaml`: rule tests as data.

A case file holds `rule: <ID>` and a list of `cases`, each with:

* `name`: unique in the file;
* `stage`: the stage to judge; `policy`: the policy file (YAML text, or a mapping);
* `today` (optional): the UTC day of the run, default 2026-06-01 (waiver expiry);
* `live` (optional): synthetic live facts for online evaluation: `now`, `environment_name`,
  `auth_token_checksum`, `active_cookie_hostname`, `embedded_wallets_enabled`,
  `sms_sign_in_enabled`, `test_account`, `test_account_login`, `captcha_enabled`,
  `environment_locked`, `tokens` (`id`, `note`, `checksum`, `age` such as `100d`),
  `webhooks` (`id`, `url`, `events`, `enabled`) and `refused` (`read`, `scope`);
* `judged` (optional): settings read live, replacing the declared ones: any area's keys,
  written as in the policy (and read by the policy's own models), plus `live_keys`;
* `expect`: the findings of that rule, in report order, each given by the keys of the
  finding JSON (docs/cli.md#output-formats) that matter (plus `value` and
  `message_contains`); `[]` means it does not fire;
* `blocked` (optional): whether the whole stage is blocked.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pulumi_dynamic_security.policy.areas import AreaKeys, resolved_areas
from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.rules.base import (
    Finding,
    JudgedSettings,
    LiveFacts,
    LiveToken,
    LiveWebhook,
    RefusedRead,
)
from pulumi_dynamic_security.rules.catalog import RULES
from pulumi_dynamic_security.rules.engine import evaluate
from tests.support.output_contract import FINDING_KEYS

CASES_DIR = Path(__file__).parent / "cases"
DEFAULT_TODAY = date(2026, 6, 1)
_CASE_KEYS = {"name", "stage", "policy", "today", "live", "judged", "expect", "blocked"}
_FINDING_KEYS = FINDING_KEYS | {"value", "message_contains"}


def _load_files() -> dict[str, dict[str, Any]]:
    yaml = YAML(typ="safe", pure=True)
    files = {}
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"))
        assert data["rule"] == path.stem, f"{path.name} declares rule {data['rule']}"
        files[path.stem] = data
    return files


CASE_FILES = _load_files()
CASES = [
    pytest.param(rule_id, case, id=f"{rule_id}-{case['name']}")
    for rule_id, data in CASE_FILES.items()
    for case in data["cases"]
]


def _datetime(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert isinstance(value, datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def _live_facts(spec: Mapping[str, Any], today: date) -> LiveFacts:
    now = _datetime(spec["now"]) if "now" in spec else datetime.combine(
        today, time(12), tzinfo=timezone.utc
    )
    tokens = tuple(
        LiveToken(
            id=token["id"],
            note=token.get("note"),
            checksum=token.get("checksum", "zzzzzz"),
            created_at=now - timedelta(minutes=Duration.parse(token["age"]).minutes),
        )
        for token in spec.get("tokens", ())
    )
    return LiveFacts(
        now=now,
        environment_name=spec.get("environment_name"),
        tokens=tokens,
        auth_token_checksum=spec.get("auth_token_checksum"),
        active_cookie_hostname=spec.get("active_cookie_hostname"),
        embedded_wallets_enabled=spec.get("embedded_wallets_enabled", False),
        sms_sign_in_enabled=spec.get("sms_sign_in_enabled", False),
        test_account=spec.get("test_account"),
        test_account_login=spec.get("test_account_login"),
        captcha_enabled=spec.get("captcha_enabled"),
        environment_locked=spec.get("environment_locked", False),
        webhooks=None if "webhooks" not in spec else tuple(
            LiveWebhook(w["id"], w["url"], tuple(w.get("events", ())), w.get("enabled", True))
            for w in spec["webhooks"]
        ),
        refused=tuple(RefusedRead(r["read"], r.get("scope")) for r in spec.get("refused", ())),
    )


def _judged(stage: EffectiveStage, spec: Mapping[str, Any]) -> JudgedSettings:
    """The declared settings with the values the case says were read live (any area, read
    as the policy reads it)."""
    areas = {key: value for key, value in spec.items() if key != "live_keys"}
    read = resolved_areas(dict(AreaKeys.model_validate(areas)))
    changes: dict[str, Any] = {area: value for area, value in read.items() if area in areas}
    changes["live_keys"] = frozenset(spec.get("live_keys", ()))
    return dataclasses.replace(JudgedSettings.declared(stage), **changes)


def _policy_text(policy: Any) -> str:
    if isinstance(policy, str):
        return policy
    return json.dumps(policy, default=str, indent=2)  # JSON is valid policy text


def _observed(finding: Finding) -> dict[str, Any]:
    return {**finding.to_json(), "value": finding.value}


def _matches(expected: Mapping[str, Any], finding: Finding) -> list[str]:
    observed = _observed(finding)
    problems = []
    for key, want in expected.items():
        if key == "message_contains":
            if want not in finding.message:
                problems.append(f"message {finding.message!r} lacks {want!r}")
        elif observed[key] != want:
            problems.append(f"{key}: expected {want!r}, got {observed[key]!r}")
    return problems


@pytest.mark.parametrize(("rule_id", "case"), CASES)
def test_rule_case(rule_id: str, case: dict[str, Any]) -> None:
    assert set(case) <= _CASE_KEYS, f"unknown case keys {set(case) - _CASE_KEYS}"
    today = case.get("today", DEFAULT_TODAY)
    policy = SecurityPolicy.from_text(_policy_text(case["policy"]), today=today)
    stage = policy.stage(case["stage"])
    live = _live_facts(case["live"], today) if "live" in case else None
    judged = _judged(stage, case["judged"]) if "judged" in case else None

    report = evaluate(stage, settings=judged, live=live, today=today)

    found = [finding for finding in report.findings if finding.rule == rule_id]
    expected = case["expect"]
    assert len(found) == len(expected), (
        f"expected {len(expected)} {rule_id} finding(s), got "
        f"{[_observed(finding) for finding in found]}"
    )
    for want, finding in zip(expected, found, strict=True):
        assert set(want) <= _FINDING_KEYS, f"unknown expectation keys {set(want) - _FINDING_KEYS}"
        assert not _matches(want, finding), _matches(want, finding)
    if "blocked" in case:
        assert report.blocked is case["blocked"]


def test_every_rule_has_cases_that_fire_and_cases_that_do_not() -> None:
    for rule in RULES:
        cases = CASE_FILES.get(rule.id, {}).get("cases", [])
        assert any(case["expect"] for case in cases), f"{rule.id} has no case that fires"
        assert any(not case["expect"] for case in cases), f"{rule.id} has no case that passes"


def test_case_files_name_known_rules_and_unique_cases() -> None:
    known = {rule.id for rule in RULES}
    for rule_id, data in CASE_FILES.items():
        assert rule_id in known
        names = [case["name"] for case in data["cases"]]
        assert len(names) == len(set(names)), f"{rule_id}: duplicate case names"
