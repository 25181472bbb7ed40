"""The areas' modules and `diffing.compare`, without a server: what each area reads from the
live document, how a change is classified, what `write` writes (and leaves alone), and a
property that ties them together: writing a plan's changes into any live document leaves
nothing to plan.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_dynamic_security.api.models import Origin
from pulumi_dynamic_security.diffing import Difference, compare
from pulumi_dynamic_security.mapping import (
    allowed_origins,
    jwt_lifetime,
    mfa,
    registry,
    token_storage,
)
from pulumi_dynamic_security.mapping.area import SettingsArea
from pulumi_dynamic_security.mapping.changes import Change
from pulumi_dynamic_security.policy.areas import EffectiveMfa
from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.service.plan import settings_changes
from pulumi_dynamic_security.vocabulary import MFA_ACTIONS, MFA_METHODS
from tests.support.ids import LIVE

JWT, STORAGE, MFA, ORIGINS = jwt_lifetime.AREA, token_storage.AREA, mfa.AREA, allowed_origins.AREA
SETTINGS: dict[str, SettingsArea] = {area.name: area for area in registry.SETTINGS}


def stage(**areas: Any) -> EffectiveStage:
    return EffectiveStage(name="production", environment_id=LIVE, production=True,
                          production_inferred=True, **areas)


def write(security: dict[str, Any], changes: list[Change]) -> dict[str, Any]:
    """A copy of `security` with `changes` written in, in the order apply writes them."""
    result = copy.deepcopy(security)
    for change in sorted(changes, key=lambda c: (SETTINGS[c.area].write_order(c), c.path)):
        SETTINGS[change.area].write(result, change)
    return result


def effect(area: Any, action: Any, path: str, before: Any, after: Any) -> str:
    return str(area.effect(Difference(action, path, before, after), None, None))


def origins(*values: str) -> list[Origin]:
    return [Origin(id=f"id-{i}", origin=value) for i, value in enumerate(values)]


# --- jwt_lifetime ----------------------------------------------------------------------------


@pytest.mark.parametrize(("live", "declared"), [
    ({"amount": 24, "unit": "hours"}, "1d"),
    ({"amount": 1, "unit": "days"}, "24h"),
    ({"amount": 120, "unit": "minutes"}, "2h"),
    ({"amount": 1440, "unit": "minutes"}, "1d"),
])
def test_durations_compare_by_value(live: dict[str, Any], declared: str) -> None:
    security = {"jwtDuration": live}
    assert settings_changes(stage(jwt_lifetime=Duration.parse(declared)), security) == []


def test_a_jwt_change_is_written_in_the_largest_whole_unit() -> None:
    security = {"jwtDuration": {"amount": 30, "unit": "days"}, "other": 1}
    changes = settings_changes(stage(jwt_lifetime=Duration.parse("48h")), security)

    assert [c.to_json() for c in changes] == [{
        "area": "jwt_lifetime", "action": "update", "path": "jwt_lifetime",
        "before": "30d", "after": "2d", "effect": "tightens", "live_effect": "weaker",
        "origin": None}]
    assert write(security, changes) == {"jwtDuration": {"amount": 2, "unit": "days"}, "other": 1}


@pytest.mark.parametrize(("before", "after", "expected"), [
    ("1d", "2h", "tightens"), ("2h", "1d", "weakens"), ("24h", "1d", "neutral"),
    (None, "2h", "neutral"),
])
def test_jwt_effect(before: str | None, after: str, expected: str) -> None:
    assert effect(JWT, "update", "jwt_lifetime", before, after) == expected


def test_a_jwt_the_api_cannot_express_reads_as_unknown_and_is_replaced() -> None:
    security: dict[str, Any] = {"jwtDuration": {"amount": 2, "unit": "weeks"}}
    changes = settings_changes(stage(jwt_lifetime=Duration.parse("2h")), security)

    assert [(c.before, c.after, c.effect) for c in changes] == [(None, "2h", "neutral")]
    assert JWT.export(security).value is None
    assert "not understood" in JWT.export(security).comments[0]


# --- token_storage ---------------------------------------------------------------------------


@pytest.mark.parametrize(("storage", "reads_as"), [
    (None, "localstorage"), ([], "localstorage"), (["localstorage"], "localstorage"),
    (["cookie"], "cookie"), (["cookie", "localstorage"], "localstorage"),
    (["localstorage", "cookie"], "localstorage"), (["cookie", "cookie"], "cookie"),
])
def test_token_storage_reads_as_spec_2_1_says(storage: list[str] | None, reads_as: str) -> None:
    security = {} if storage is None else {"auth": {"storage": storage}}
    assert STORAGE.from_live(security) == reads_as


def test_switching_to_cookie_writes_only_the_storage_and_tightens() -> None:
    security = {"auth": {"storage": ["localstorage", "cookie"], "other": True}}
    changes = settings_changes(stage(token_storage="cookie"), security)

    assert [(c.before, c.after, c.effect) for c in changes] == [
        ("localstorage", "cookie", "tightens")]
    assert write(security, changes) == {"auth": {"storage": ["cookie"], "other": True}}
    assert effect(STORAGE, "update", "token_storage", "cookie", "localstorage") == "weakens"


def test_both_storages_are_exported_with_a_comment() -> None:
    exported = STORAGE.export({"auth": {"storage": ["cookie", "localstorage"]}})
    assert exported.value == "localstorage"
    assert "both" in exported.comments[0]


# --- mfa -------------------------------------------------------------------------------------


def mfa_security(methods: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"mfa": {"enabled": False, "methods": methods, "actions": [], **extra}}


def test_methods_are_enabled_and_disabled_never_removed() -> None:
    security = mfa_security([
        {"type": "totp", "enabled": True, "allowBackupCodes": True},
        {"type": "passkey", "enabled": False, "allowBackupCodes": True},
        {"type": "future", "enabled": True, "extra": 1},
    ], availableMethods=["totp", "passkey"])
    changes = settings_changes(stage(mfa=EffectiveMfa(methods=("passkey", "email"))), security)

    assert [(c.action, c.path, c.before or c.after, c.effect) for c in changes] == [
        ("add", "mfa.methods", "email", "tightens"),
        ("add", "mfa.methods", "passkey", "tightens"),
        ("remove", "mfa.methods", "totp", "weakens"),
    ]
    written = write(security, changes)["mfa"]
    assert written["methods"] == [
        {"type": "totp", "enabled": False, "allowBackupCodes": True},
        {"type": "passkey", "enabled": True, "allowBackupCodes": True},
        {"type": "future", "enabled": True, "extra": 1},  # unknown to this tool: left alone
        # new; the enabled methods (totp, future) disagree on backup codes: none is set
        {"type": "email", "enabled": True},
    ]
    assert written["enabled"] is True
    assert written["availableMethods"] == ["totp", "passkey"]  # never written


def test_mfa_enabled_follows_the_methods() -> None:
    security = mfa_security([{"type": "totp", "enabled": True}], enabled=True)
    changes = settings_changes(stage(mfa=EffectiveMfa(methods=())), security)

    written = write(security, changes)["mfa"]
    assert written["enabled"] is False
    assert written["methods"] == [{"type": "totp", "enabled": False}]


def test_actions_are_required_or_not_never_removed() -> None:
    security = {"mfa": {"actions": [{"action": "user.update", "required": True, "x": 1}]}}
    changes = settings_changes(
        stage(mfa=EffectiveMfa(require_for_actions=("wallet.waas.export",))), security)

    assert [(c.action, c.before or c.after, c.effect) for c in changes] == [
        ("add", "wallet.waas.export", "tightens"), ("remove", "user.update", "weakens")]
    assert write(security, changes)["mfa"]["actions"] == [
        {"action": "user.update", "required": False, "x": 1},
        {"action": "wallet.waas.export", "required": True},
    ]


def test_login_requirement_and_backup_codes() -> None:
    security = mfa_security([{"type": "totp", "enabled": True, "allowBackupCodes": True}],
                            required=False)
    declared = EffectiveMfa(require_at_login=True, backup_codes=False)
    changes = settings_changes(stage(mfa=declared), security)

    assert [(c.path, c.before, c.after, c.effect) for c in changes] == [
        ("mfa.backup_codes", True, False, "neutral"),
        ("mfa.require_at_login", False, True, "tightens"),
    ]
    written = write(security, changes)["mfa"]
    assert written["required"] is True
    assert written["methods"][0]["allowBackupCodes"] is False
    assert effect(MFA, "update", "mfa.require_at_login", True, False) == "weakens"


def test_only_the_managed_mfa_keys_are_compared() -> None:
    security = mfa_security([{"type": "totp", "enabled": True}], required=True)
    changes = settings_changes(stage(mfa=EffectiveMfa(require_for_actions=())), security)
    assert changes == []


def test_backup_codes_are_moot_without_a_method() -> None:
    security = mfa_security([{"type": "totp", "enabled": False, "allowBackupCodes": False}])
    declared = EffectiveMfa(methods=(), backup_codes=True)
    assert settings_changes(stage(mfa=declared), security) == []


def test_mixed_backup_codes_read_as_unknown_and_are_exported_with_a_comment() -> None:
    security = mfa_security([
        {"type": "totp", "enabled": True, "allowBackupCodes": True},
        {"type": "passkey", "enabled": True, "allowBackupCodes": False},
    ])
    assert MFA.from_live(security).backup_codes is None
    exported = MFA.export(security)
    assert "backup_codes" not in exported.value
    assert any("backup codes differ" in comment for comment in exported.comments)


def test_enabling_a_disabled_method_keeps_backup_codes_agreed() -> None:
    # totp has backup codes; passkey sits disabled without them. Enabling passkey must not
    # leave the enabled methods disagreeing (a re-plan would then show a change).
    security = mfa_security([
        {"type": "totp", "enabled": True, "allowBackupCodes": True},
        {"type": "passkey", "enabled": False, "allowBackupCodes": False},
    ])
    declared = stage(mfa=EffectiveMfa(methods=("totp", "passkey"), backup_codes=True))

    written = write(security, settings_changes(declared, security))

    assert settings_changes(declared, written) == []


# --- allowed_origins -------------------------------------------------------------------------


def origin_changes(declared: list[str], live: list[Origin]) -> list[Change]:
    return ORIGINS.plan(declared, live, now=datetime.now(timezone.utc))


def test_live_origins_are_normalized_before_comparing() -> None:
    live = origins("HTTPS://App.Example.COM:443", "http://LOCALHOST:80", "https://*.Example.com")
    declared = ["https://app.example.com", "http://localhost", "https://*.example.com"]
    assert origin_changes(declared, live) == []


def test_origin_order_and_duplicates_do_not_matter() -> None:
    live = origins("https://b.example.com", "https://a.example.com", "https://A.example.com")
    assert origin_changes(["https://a.example.com", "https://b.example.com"], live) == []


def test_origin_effects() -> None:
    changes = origin_changes(["https://a.example.com", "https://c.example.com"],
                             origins("https://a.example.com", "https://*.example.com"))
    assert [(c.action, c.before or c.after, c.effect) for c in changes] == [
        ("add", "https://c.example.com", "weakens"),
        ("remove", "https://*.example.com", "tightens"),
    ]


def test_the_first_origin_on_an_empty_list_tightens_and_emptying_it_weakens() -> None:
    # Dynamic allows every domain when the list is empty.
    first = origin_changes(["https://a.example.com"], [])
    assert [(c.action, c.effect) for c in first] == [("add", "tightens")]
    emptied = origin_changes([], origins("https://a.example.com"))
    assert [(c.action, c.effect) for c in emptied] == [("remove", "weakens")]


def test_read_back_checks_each_origin_change_on_normalized_values() -> None:
    live = origins("HTTPS://New.example.com:443")
    assert ORIGINS.is_kept(live, Change("allowed_origins", "add", "allowed_origins", None,
                                        "https://new.example.com", "weakens"))
    assert not ORIGINS.is_kept(live, Change("allowed_origins", "remove", "allowed_origins",
                                            "https://new.example.com", None, "tightens"))


def test_every_spelling_of_a_removed_origin_is_deleted() -> None:
    live = origins("https://A.example.com", "https://a.example.com:443", "https://b.example.com")
    assert allowed_origins.ids_to_delete(live, "https://a.example.com") == ["id-0", "id-1"]


def test_an_invalid_live_origin_is_left_out_of_an_export_and_only_it() -> None:
    exported = ORIGINS.export(origins("https://a.com:99999", "https://a.com"))
    assert exported.value == ["https://a.com"]
    assert len(exported.comments) == 1 and "a.com:99999" in exported.comments[0]


def test_an_empty_origin_list_is_exported_with_a_warning() -> None:
    exported = ORIGINS.export([])
    assert exported.value == []
    assert "every domain" in exported.comments[0]


# --- compare ---------------------------------------------------------------------------------


def test_a_plan_compares_only_the_areas_the_stage_manages() -> None:
    security = {"jwtDuration": {"amount": 30, "unit": "days"}, "auth": {"storage": ["cookie"]}}
    assert settings_changes(stage(token_storage="cookie"), security) == []


def test_compare_sees_only_what_it_is_given() -> None:
    assert compare("token_storage", "localstorage", "localstorage") == []


def test_plans_order_additions_before_removals_and_by_value() -> None:
    changes = ORIGINS.compared(["https://b.com", "https://a.com"],
                               ("https://z.com", "https://y.com"))
    assert [(c.action, c.before or c.after) for c in changes] == [
        ("add", "https://a.com"), ("add", "https://b.com"),
        ("remove", "https://y.com"), ("remove", "https://z.com"),
    ]


def test_a_change_survives_a_round_trip_through_json() -> None:
    change = Change("mfa", "add", "mfa.methods", None, "totp", "tightens")
    assert Change.from_json(change.to_json()) == change
    with pytest.raises(ValueError, match="not a change record"):
        Change.from_json({**change.to_json(), "action": "explode"})


# --- property: writing a plan's changes leaves nothing to plan --------------------------------

METHOD_TYPES = (*MFA_METHODS, "sms", "webauthn")  # the last two unknown to this tool
ACTION_NAMES = (*MFA_ACTIONS, "future.action")
maybe_bool = st.one_of(st.none(), st.booleans())


@st.composite
def live_security(draw: st.DrawFn) -> dict[str, Any]:
    security: dict[str, Any] = {"unmanaged": {"keep": draw(st.integers())}}
    if draw(st.booleans()):
        unit = draw(st.sampled_from(["minutes", "hours", "days", "weeks"]))
        security["jwtDuration"] = {"amount": draw(st.integers(1, 60)), "unit": unit}
    if draw(st.booleans()):
        security["auth"] = {"storage": draw(st.lists(
            st.sampled_from(["cookie", "localstorage"]), max_size=3))}
    if draw(st.booleans()):
        methods = []
        for kind in draw(st.lists(st.sampled_from(METHOD_TYPES), max_size=5)):
            method: dict[str, Any] = {"type": kind, "enabled": draw(st.booleans())}
            codes = draw(maybe_bool)
            if codes is not None:
                method["allowBackupCodes"] = codes
            methods.append(method)
        actions = [{"action": name, "required": draw(st.booleans())}
                   for name in draw(st.lists(st.sampled_from(ACTION_NAMES), max_size=4))]
        mfa_doc: dict[str, Any] = {"methods": methods, "actions": actions,
                                   "availableMethods": ["totp"]}
        for key in ("enabled", "required"):
            value = draw(maybe_bool)
            if value is not None:
                mfa_doc[key] = value
        security["mfa"] = mfa_doc
    return security


@st.composite
def declared_stage(draw: st.DrawFn) -> EffectiveStage:
    jwt = draw(st.one_of(st.none(), st.integers(1, 30 * 24 * 60).map(Duration)))
    storage = draw(st.sampled_from([None, "cookie", "localstorage"]))
    declared_mfa = None
    if draw(st.booleans()):
        methods = draw(st.one_of(st.none(), st.lists(st.sampled_from(MFA_METHODS),
                                                     unique=True).map(tuple)))
        declared_mfa = EffectiveMfa(
            methods=methods,
            require_at_login=draw(maybe_bool),
            require_for_actions=draw(st.one_of(st.none(), st.lists(
                st.sampled_from(MFA_ACTIONS), unique=True).map(tuple))),
            backup_codes=draw(maybe_bool),
        )
    return stage(jwt_lifetime=jwt, token_storage=storage, mfa=declared_mfa)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(live=live_security(), declared=declared_stage())
def test_writing_the_planned_changes_leaves_nothing_to_plan(
    live: dict[str, Any], declared: EffectiveStage
) -> None:
    changes = settings_changes(declared, live)

    written = write(live, changes)

    assert settings_changes(declared, written) == []
    assert all(SETTINGS[c.area].is_kept(written, c) for c in changes)  # what read-back verifies
    # (backup codes are moot, so "kept", while no method is enabled)
    assert not any(SETTINGS[c.area].is_kept(live, c) for c in changes
                   if c.path != "mfa.backup_codes")
    assert written["unmanaged"] == live["unmanaged"]
    if "mfa" in live:
        assert written["mfa"]["availableMethods"] == ["totp"]
        kinds = [m["type"] for m in written["mfa"]["methods"]]
        assert kinds[:len(live["mfa"]["methods"])] == [m["type"] for m in live["mfa"]["methods"]]
    if any(c.path == "mfa.methods" for c in changes):
        enabled = any(m.get("enabled") is True for m in written["mfa"]["methods"])
        assert written["mfa"].get("enabled", enabled) == enabled
