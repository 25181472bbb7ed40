"""The providers' logic called directly (no host, no API): normalization, rules in `check`,
the diff's comparison, rotation due dates, credentials."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pulumi
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.providers import (
    AllowedOriginsProvider,
    ApiTokenRotationProvider,
    SecuritySettingsProvider,
)
from pulumi_dynamic_security.providers.errors import ProviderError
from pulumi_dynamic_security.providers.rotation import schedule
from pulumi_dynamic_security.service.resources import declared_changes
from tests.support.ids import LIVE, SANDBOX, SECOND_LIVE

UNKNOWN = pulumi.output.Unknown()  # type: ignore[no-untyped-call]  # what the host decodes


def base(**values: Any) -> dict[str, Any]:
    return {"environment_id": LIVE, "stage": "production", "production": True, **values}


def failures(provider: Any, news: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f.property, f.reason) for f in provider.check({}, news).failures]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- check ------------------------------------------------------------------------------------


def test_settings_check_normalizes() -> None:
    result = SecuritySettingsProvider().check({}, {
        **base(), "jwt_lifetime": "120m", "token_storage": "cookie",
        "mfa": {"methods": ["passkey", "totp"], "require_for_actions":
                ["wallet.waas.export", "wallet.waas.sign"]},
        "__provider": "opaque",
    })
    assert result.failures == []
    assert result.inputs["jwt_lifetime"] == "2h"
    assert result.inputs["mfa"] == {"methods": ["totp", "passkey"], "require_for_actions":
                                    ["wallet.waas.sign", "wallet.waas.export"]}
    assert result.inputs["limits"]["wallet_jwt_max"] == "1d"  # defaults resolved
    assert "__provider" not in result.inputs  # the host adds it back


def test_origins_check_normalizes_to_sorted_punycode() -> None:
    result = AllowedOriginsProvider().check({}, base(
        origins=["HTTPS://Bücher.example:443", "https://app.example.com", "https://APP.example.com"]
    ))
    assert result.failures == []
    assert result.inputs["origins"] == ["https://app.example.com", "https://xn--bcher-kva.example"]


def test_production_inferred_from_the_stage_name() -> None:
    result = AllowedOriginsProvider().check({}, {
        "environment_id": LIVE, "stage": "live", "origins": ["https://app.example.com"]})
    assert result.inputs["production"] is True


@pytest.mark.parametrize(("provider", "news", "prop", "rule"), [
    (AllowedOriginsProvider(), base(origins=[]), "origins", "DS101"),
    (AllowedOriginsProvider(), base(origins=["http://localhost:3000"]), "origins", "DS103"),
    (SecuritySettingsProvider(), base(
        jwt_lifetime="3d", mfa={"methods": ["totp"], "require_for_actions": []},
        app={"embedded_wallets": True}), "jwt_lifetime", "DS202"),
    (SecuritySettingsProvider(), base(mfa={"methods": [], "require_at_login": False},
                                      app={"sms_sign_in": True}), "mfa", "DS402"),
    (ApiTokenRotationProvider(), base(name="ci", scopes=["environment.settings.read"],
                                      rotate_every="400d"), "rotate_every", "DS502"),
])
def test_errors_fail_check_naming_rule_and_property(
    provider: Any, news: dict[str, Any], prop: str, rule: str
) -> None:
    found = failures(provider, news)
    assert (prop, rule) in {(p, r.split()[0]) for p, r in found}, found


def test_warnings_do_not_fail_check() -> None:
    assert failures(SecuritySettingsProvider(), base(token_storage="localstorage")) == []  # DS301
    assert failures(AllowedOriginsProvider(), {**base(production=False),
                                               "origins": ["https://*.example.com"]}) == []


def test_waiver_values_cover_only_their_origin() -> None:
    waiver = {"rule": "DS102", "reason": "previews", "expires": "2027-01-31",
              "values": ["https://*.preview.example.com"]}
    news = base(origins=["https://*.preview.example.com"], waivers=[waiver])
    assert failures(AllowedOriginsProvider(), news) == []
    news["origins"] = ["https://*.preview.example.com", "https://*.example.com"]
    assert [p for p, _ in failures(AllowedOriginsProvider(), news)] == ["origins"]


@pytest.mark.parametrize(("news", "prop"), [
    (base(origins=["https://app.example.com"], waivers=[{"rule": "DS999", "reason": "x",
                                                         "expires": "2027-01-31"}]), "waivers"),
    (base(origins=["https://app.example.com"], waivers=[{"rule": "DS102"}]), "waivers"),
    (base(origins=["https://app.example.com"], environment_id="not-a-uuid"), "environment_id"),
    ({**base(origins=["https://app.example.com"]), "stage": ""}, "stage"),
    (base(), "origins"),
])
def test_invalid_inputs_fail_check(news: dict[str, Any], prop: str) -> None:
    assert prop in [p for p, _ in failures(AllowedOriginsProvider(), news)]


def test_login_mfa_without_a_method_fails_check() -> None:
    found = failures(SecuritySettingsProvider(), base(mfa={"require_at_login": True}))
    assert [p for p, _ in found] == ["mfa"]


def test_token_input_errors_name_the_field() -> None:
    found = failures(ApiTokenRotationProvider(), base(
        name="CI Deployer", scopes=["environment.nope"], rotate_every="7d", overlap="7d"))
    assert {p for p, _ in found} >= {"name", "scopes"}


def test_unknown_values_are_never_failures() -> None:
    unknown = UNKNOWN
    for news in (base(origins=unknown), base(origins=["https://*.example.com", unknown]),
                 {**base(origins=["https://*.example.com"]), "production": unknown}):
        result = AllowedOriginsProvider().check({}, news)
        assert result.failures == []


# -- diff -------------------------------------------------------------------------------------


def checked(provider: Any, news: dict[str, Any]) -> dict[str, Any]:
    result = provider.check({}, news)
    assert result.failures == []
    inputs: dict[str, Any] = result.inputs
    return inputs


@pytest.mark.parametrize(("old", "new", "changes"), [
    ({"jwt_lifetime": "24h"}, {"jwt_lifetime": "1d"}, False),
    ({"jwt_lifetime": "1d"}, {"jwt_lifetime": "12h"}, True),
    ({"mfa": {"methods": ["totp", "passkey"]}}, {"mfa": {"methods": ["passkey", "totp"]}}, False),
    ({"mfa": {"methods": ["totp"]}}, {"mfa": {"methods": ["totp"], "backup_codes": True}}, True),
    ({"jwt_lifetime": "1d", "token_storage": "cookie"}, {"jwt_lifetime": "1d"}, True),
    ({"jwt_lifetime": "1d"}, {"jwt_lifetime": "1d", "production": False}, True),
    ({"jwt_lifetime": "1d", "waivers": [
        {"rule": "DS301", "reason": "a", "expires": "2027-01-01"},
        {"rule": "DS201", "reason": "b", "expires": "2027-01-01"}]},
     {"jwt_lifetime": "1d", "waivers": [
         {"rule": "DS201", "reason": "b", "expires": "2027-01-01"},
         {"rule": "DS301", "reason": "a", "expires": "2027-01-01"}]}, False),
])
def test_settings_diff_is_the_normalized_comparison(
    old: dict[str, Any], new: dict[str, Any], changes: bool
) -> None:
    provider = SecuritySettingsProvider()
    olds = checked(provider, base(**old))
    news = checked(provider, base(**new))
    diff = provider.diff(LIVE, olds, news)
    assert (diff.changes, diff.replaces) == (changes, [])


def test_origins_diff_compares_sets_and_replaces_on_environment() -> None:
    provider = AllowedOriginsProvider()
    olds = checked(provider, base(origins=["https://b.example.com", "https://a.example.com"]))
    same = checked(provider, base(origins=["https://A.example.com:443", "https://b.example.com"]))
    assert provider.diff(LIVE, olds, same).changes is False
    moved = checked(provider, {**base(origins=["https://a.example.com"]),
                               "environment_id": SECOND_LIVE})
    diff = provider.diff(LIVE, olds, moved)
    assert (diff.changes, diff.replaces, diff.delete_before_replace) == (
        True, ["environment_id"], False)
    assert provider.diff(LIVE, olds, {**same, "origins": UNKNOWN}).changes is True


def test_declared_changes_uses_the_plan_views() -> None:
    policy = SecurityPolicy.from_text(
        "version: 1\nstages:\n"
        f"  a:\n    environment_id: {SANDBOX}\n"
        "    jwt_lifetime: 24h\n    allowed_origins: [https://x.example.com]\n"
        f"  b:\n    environment_id: {LIVE}\n"
        "    jwt_lifetime: 1d\n    allowed_origins: [https://x.example.com, https://y.example.com]\n"
    )
    changes = declared_changes(policy.stage("a"), policy.stage("b"))
    assert [(c.area, c.action, c.after, c.effect) for c in changes] == [
        ("allowed_origins", "add", "https://y.example.com", "weakens")]


TOKEN_NEWS = base(name="ci", scopes=["environment.settings.read"], rotate_every="90d",
                  overlap="7d")


def token_state(created: datetime, *, previous: bool = False) -> tuple[dict[str, Any],
                                                                        dict[str, Any]]:
    """The outputs and the inputs an earlier `pulumi up` left: a token created at `created`
    (with `previous`, a predecessor kept for the 7-day overlap), and the schedule that up's
    check recorded in the inputs, when nothing was due yet."""
    inputs = checked(ApiTokenRotationProvider(), TOKEN_NEWS)
    rotate_after = created + timedelta(days=90)
    revoke_after = created + timedelta(days=7) if previous else None
    recorded = {**inputs, "rotation": schedule(rotate_after, revoke_after)}
    outputs = {**recorded, "token_id": "t2", "token": "raw", "created_at": stamp(created),
               "rotate_after": stamp(rotate_after)}
    if revoke_after is not None:
        outputs.update(previous_token_id="t1", revoke_previous_after=stamp(revoke_after))
    return outputs, recorded


def test_token_diff_is_due_by_dates() -> None:
    # as the engine calls them on `up`: check (olds = the recorded inputs; here without
    # credentials, so by the recorded schedule), then diff (olds = the outputs)
    provider = ApiTokenRotationProvider()
    now = datetime.now(timezone.utc)

    def due(state: tuple[dict[str, Any], dict[str, Any]], **news: Any) -> bool:
        outputs, recorded = state
        checked_news = provider.check(recorded, {**TOKEN_NEWS, **news}).inputs
        return bool(provider.diff(f"{LIVE}/ci", outputs, checked_news).changes)

    assert due(token_state(now - timedelta(days=1))) is False
    assert due(token_state(now - timedelta(days=91))) is True
    assert due(token_state(now - timedelta(days=3), previous=True)) is False
    assert due(token_state(now - timedelta(days=8), previous=True)) is True
    # a new rotate_every applies at once
    assert due(token_state(now - timedelta(days=2)), rotate_every="1d") is True
    outputs, recorded = token_state(now - timedelta(days=1))
    no_token = {k: v for k, v in outputs.items() if k != "token"}
    assert due((no_token, recorded)) is True
    renamed = provider.check(recorded, {**TOKEN_NEWS, "name": "ci2"}).inputs
    assert provider.diff(f"{LIVE}/ci", outputs, renamed).replaces == ["name"]


def test_a_due_rotation_is_not_drift() -> None:
    # as the engine calls diff on refresh: the refreshed outputs against the old inputs
    provider = ApiTokenRotationProvider()
    for state in (token_state(datetime.now(timezone.utc) - timedelta(days=91)),
                  token_state(datetime.now(timezone.utc) - timedelta(days=8), previous=True)):
        outputs, recorded = state
        assert provider.diff(f"{LIVE}/ci", outputs, recorded).changes is False


def test_a_carried_out_verdict_is_void() -> None:
    # the inputs of the update that rotated say "due"; its outputs hold the successor
    provider = ApiTokenRotationProvider()
    _, recorded = token_state(datetime.now(timezone.utc) - timedelta(days=91))
    verdict = provider.check(recorded, TOKEN_NEWS).inputs["rotation"]
    assert verdict.startswith("rotation due since ")
    successor, _ = token_state(datetime.now(timezone.utc))
    assert provider.diff(f"{LIVE}/ci", successor, {**recorded, "rotation": verdict}).changes \
        is False


# -- credentials ------------------------------------------------------------------------------


def configure(provider: Any, config: dict[str, Any]) -> None:
    provider.configure(ConfigureRequest(Config(config, "dynamic-security-example")))


def test_stack_config_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMIC_API_TOKEN", "from-the-environment-000001")
    monkeypatch.setenv("DYNAMIC_API_URL", "https://env.example/api/v0")
    provider = SecuritySettingsProvider()
    configure(provider, {"dynamic-security:apiToken": "from-the-stack-config-000002",
                         "dynamic-security:apiUrl": "https://config.example/api/v0"})
    assert provider.auth_token_checksum == "000002"
    assert provider._credentials()[0] == "https://config.example/api/v0"
    fallback = SecuritySettingsProvider()
    configure(fallback, {"dynamic-security-example:apiToken": "not-our-namespace-000003"})
    assert fallback.auth_token_checksum == "000001"
    assert fallback._credentials()[0] == "https://env.example/api/v0"


def test_default_url_and_missing_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DYNAMIC_API_TOKEN", raising=False)
    monkeypatch.delenv("DYNAMIC_API_URL", raising=False)
    provider = AllowedOriginsProvider()
    configure(provider, {})
    assert provider._credentials() == ("https://app.dynamicauth.com/api/v0", None)
    with pytest.raises(ProviderError) as missing:
        provider.create(base(origins=["https://app.example.com"]))
    assert "pulumi config set --secret dynamic-security:apiToken" in str(missing.value)
