"""The promises of docs/apply.md, one test (or one parametrized family) each, end to end against the
emulator over real HTTP. Every assertion about what was sent reads the emulator's own request
log, so a promise broken anywhere between the planner and the wire fails here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.models import CreatedToken
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.errors import (
    DynsecError,
    PolicyBlockedError,
    StalePlanError,
)
from pulumi_dynamic_security.exit_codes import ExitCode
from pulumi_dynamic_security.mapping import allowed_origins
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.rules.token_notes import parse_note
from pulumi_dynamic_security.service.apply import ChangeNotKeptError, apply_plan
from pulumi_dynamic_security.service.connection import Connection
from pulumi_dynamic_security.service.drift import drift
from pulumi_dynamic_security.service.plan import Plan, plan_stage
from pulumi_dynamic_security.service.snapshot import read_snapshot
from tests.support.clients import edit_settings, make_client, settings_of
from tests.support.ids import LIVE, SANDBOX, SECOND_SANDBOX
from tests.support.log import log, writes
from tests.support.policies import FULL, policy_text, stage_of

FULL_WRITES = 6  # 2 origin POSTs, 1 PUT, 2 origin DELETEs, 1 token POST


class Tokens:
    """Receives newly issued tokens (what `--secrets-out` does for the CLI)."""

    def __init__(self) -> None:
        self.issued: list[tuple[str, str]] = []

    def __call__(self, name: str, token: CreatedToken) -> None:
        self.issued.append((name, token.id))


def plan(client: DynamicClient, stage: EffectiveStage) -> Plan:
    return plan_stage(client, stage, auth_token_checksum=client.config.token.checksum)


def apply(client: DynamicClient, planned: Plan) -> Any:
    return apply_plan(client, planned, auth_token_checksum=client.config.token.checksum,
                      on_secret_issued=Tokens())


def managed_token_count(client: DynamicClient, environment_id: str, name: str) -> int:
    return sum(1 for t in client.list_tokens(environment_id)
               if (note := parse_note(t.note)) is not None and note.name == name)


# --- Reads: 4 GETs per environment, the test account for a production stage, hostnames only
# for a live switch to cookie ---------------------------------------------------------------


def base_reads(environment_id: str, *, production: bool = True) -> list[tuple[str, str]]:
    reads = [("GET", f"/environments/{environment_id}"),
             ("GET", f"/environments/{environment_id}/origins"),
             ("GET", f"/environments/{environment_id}/tokens"),
             ("GET", f"/environments/{environment_id}/webhooks")]
    if production:  # DS603 judges only production stages
        reads.append(("GET", f"/environments/{environment_id}/test/account"))
    return reads


@pytest.mark.parametrize(("environment_id", "body", "hostnames"), [
    pytest.param(LIVE, "    token_storage: localstorage\n", False, id="live-localstorage"),
    pytest.param(LIVE, "    allowed_origins: [https://app.example.com]\n", False,
                 id="live-origins-only"),
    pytest.param(LIVE, "    token_storage: cookie\n", True, id="live-switching-to-cookie"),
    pytest.param(SANDBOX, "    token_storage: cookie\n", False, id="sandbox-switching-to-cookie"),
])
def test_plan_reads_an_environment_with_four_gets_and_the_test_account(
    emulator: EmulatorHandle, client: DynamicClient, environment_id: str, body: str,
    hostnames: bool,
) -> None:
    plan(client, stage_of(policy_text(environment_id, body), "production"))

    expected = base_reads(environment_id)
    if hostnames:
        expected.append(("GET", f"/environments/{environment_id}/custom/hostnames"))
    assert log(emulator) == expected


def test_a_live_environment_already_on_cookies_is_not_asked_for_hostnames(
    emulator: EmulatorHandle, client: DynamicClient
) -> None:
    edit_settings(emulator, LIVE, auth={"storage": ["cookie"]})
    emulator.clear_requests()

    plan(client, stage_of(policy_text(LIVE, "    token_storage: cookie\n"), "production"))

    assert log(emulator) == base_reads(LIVE)


def test_drift_reads_each_environment_with_four_gets_and_live_ones_five(
    emulator: EmulatorHandle,
) -> None:
    text = f"""\
version: 1
defaults:
  jwt_lifetime: 12h
stages:
  dev: {{environment_id: {SANDBOX}}}
  staging: {{environment_id: {SECOND_SANDBOX}, token_storage: cookie}}
  production: {{environment_id: {LIVE}, allowed_origins: [https://app.example.com]}}
"""
    from pulumi_dynamic_security.policy.loader import SecurityPolicy

    stages = SecurityPolicy.from_text(text).select()
    report = drift(stages, Connection(emulator.base_url), concurrency=3,
                   environ={"DYNAMIC_API_TOKEN": emulator.token})

    assert report.errors == []
    requests = log(emulator)
    assert all(method == "GET" for method, _ in requests)
    assert sorted(requests) == sorted(
        base_reads(SANDBOX, production=False) + base_reads(SECOND_SANDBOX, production=False)
        + base_reads(LIVE)
    )


# --- Minimal writes --------------------------------------------------------------------------


def test_a_no_op_apply_makes_no_write(emulator: EmulatorHandle, client: DynamicClient) -> None:
    stage = stage_of(FULL, "production")
    apply(client, plan(client, stage))
    emulator.clear_requests()

    again = plan(client, stage)
    result = apply(client, again)

    assert again.changes == []
    assert result.writes == 0
    assert writes(emulator) == []
    assert log(emulator) == base_reads(LIVE)  # the plan's reads, nothing after


def test_an_origin_only_change_is_one_post_and_no_put(
    emulator: EmulatorHandle, client: DynamicClient
) -> None:
    # Everything else the stage manages already matches: JWT 30d, localstorage.
    stage = stage_of(policy_text(LIVE, """\
    jwt_lifetime: 30d
    token_storage: localstorage
    allowed_origins: ["https://*.example.com", "http://localhost:3000", https://new.example.com]
""", stage="staging"), "staging")

    planned = plan(client, stage)
    emulator.clear_requests()
    result = apply(client, planned)

    assert [(c.area, c.action, c.after) for c in planned.changes] == [
        ("allowed_origins", "add", "https://new.example.com")
    ]
    assert writes(emulator) == [("POST", f"/environments/{LIVE}/origins")]
    assert result.writes == 1


def test_removing_an_origin_does_not_write_the_settings(
    emulator: EmulatorHandle, client: DynamicClient
) -> None:
    stage = stage_of(policy_text(LIVE, """\
    jwt_lifetime: 30d
    allowed_origins: ["https://*.example.com"]
""", stage="staging"), "staging")

    planned = plan(client, stage)
    emulator.clear_requests()
    apply(client, planned)

    assert [m for m, _ in writes(emulator)] == ["DELETE"]


# --- Never open the door: every origin POST before every origin DELETE -----------------------


def test_origins_are_added_before_any_is_removed(
    emulator: EmulatorHandle, client: DynamicClient
) -> None:
    planned = plan(client, stage_of(FULL, "production"))
    emulator.clear_requests()
    apply(client, planned)

    origin_writes = [(m, p) for m, p in writes(emulator)
                     if p.endswith("/origins") or p.startswith("/origins/")]
    methods = [m for m, _ in origin_writes]
    assert methods == ["POST", "POST", "DELETE", "DELETE"]
    assert live_origin_set(client) == {"https://app.example.com", "https://www.example.com"}


def live_origin_set(client: DynamicClient, environment_id: str = LIVE) -> set[str]:
    return set(allowed_origins.AREA.from_live(client.list_origins(environment_id)))


# --- Never clobber ---------------------------------------------------------------------------


def test_apply_sends_back_everything_it_does_not_manage(
    emulator: EmulatorHandle, client: DynamicClient
) -> None:
    document = client.get_environment(LIVE).settings_copy()
    document["zFutureSection"] = {"nested": [1, {"b": 2, "a": 1}], "flag": None}
    document["security"]["aFutureSecurityKey"] = {"keep": True}
    document["security"]["hCaptcha"] = {"enabled": True, "siteKey": "site-1",
                                        "secretKey": "hcaptcha-secret-1"}
    document["security"]["mfa"]["futureMfaKey"] = ["x"]
    document["security"]["mfa"]["availableMethods"] = ["totp"]
    document["security"]["mfa"]["methods"].append({"type": "email", "enabled": False,
                                                   "customField": 7})
    document["general"]["displayName"] = "Ünïcode app"
    client.update_settings(LIVE, document)
    before = client.get_environment(LIVE).settings

    apply(client, plan(client, stage_of(FULL, "production")))

    after = settings_of(emulator, LIVE)
    # Everything outside `security`, key order included, is byte-for-byte what was read.
    assert json.dumps({k: v for k, v in after.items() if k != "security"}) == json.dumps(
        {k: v for k, v in before.items() if k != "security"}
    )
    assert list(after["security"]) == list(before["security"])
    assert after["security"]["aFutureSecurityKey"] == {"keep": True}
    assert after["security"]["hCaptcha"] == {"enabled": True, "siteKey": "site-1"}
    assert after["security"]["externalAuth"] == before["security"]["externalAuth"]
    mfa_after = after["security"]["mfa"]
    assert mfa_after["futureMfaKey"] == ["x"]
    assert mfa_after["availableMethods"] == ["totp"]  # never written
    assert {"type": "email", "enabled": False, "customField": 7} in mfa_after["methods"]
    # ... and the managed fields did change.
    assert after["security"]["jwtDuration"] == {"amount": 2, "unit": "hours"}
    assert after["security"]["auth"]["storage"] == ["cookie"]
    # The write-only hCaptcha secret was not wiped by the PUT that could not send it back.
    stored = {e["id"]: e for e in emulator.state()["environments"]}
    assert stored[LIVE]["hcaptcha_secret"] == "hcaptcha-secret-1"


def test_only_the_managed_mfa_key_changes(emulator: EmulatorHandle,
                                          client: DynamicClient) -> None:
    before = client.get_environment(LIVE).settings

    body = "    mfa: {require_at_login: false, require_for_actions: [user.update]}\n"
    apply(client, plan(client, stage_of(policy_text(LIVE, body), "production")))

    after = settings_of(emulator, LIVE)
    expected = json.loads(json.dumps(before))
    expected["security"]["mfa"]["actions"] = [{"action": "user.update", "required": True}]
    assert after == expected


# --- Stale plan ------------------------------------------------------------------------------


def add_origin(emulator: EmulatorHandle) -> None:
    with make_client(emulator) as admin:
        admin.add_origin(LIVE, "https://dashboard-edit.example.com")


def edit_outside_security(emulator: EmulatorHandle) -> None:
    with make_client(emulator) as admin:
        document = admin.get_environment(LIVE).settings_copy()
        document["general"]["displayName"] = "renamed in the dashboard"
        admin.update_settings(LIVE, document)


@pytest.mark.parametrize("edit", [
    pytest.param(lambda emu: edit_settings(emu, LIVE, jwtDuration={"amount": 3, "unit": "days"}),
                 id="security-setting"),
    pytest.param(edit_outside_security, id="setting-outside-security"),
    pytest.param(add_origin, id="origin"),
])
def test_an_edit_between_plan_and_apply_is_caught_and_nothing_is_written(
    emulator: EmulatorHandle, client: DynamicClient, edit: Any
) -> None:
    planned = plan(client, stage_of(FULL, "production"))
    edit(emulator)
    emulator.clear_requests()

    with pytest.raises(StalePlanError) as caught:
        apply(client, planned)

    assert caught.value.exit_code == ExitCode.STALE_PLAN
    assert "plan again" in caught.value.render().lower()
    assert writes(emulator) == []


# --- Converge after any failure --------------------------------------------------------------


@pytest.mark.parametrize("allowed", range(FULL_WRITES))
def test_a_rerun_after_a_failed_write_converges(
    emulator: EmulatorHandle, client: DynamicClient, allowed: int
) -> None:
    stage = stage_of(FULL, "production")
    emulator.set_faults(fail_writes_after=allowed)

    with pytest.raises(DynsecError) as caught:
        apply(client, plan(client, stage))
    assert caught.value.exit_code == ExitCode.API_FAILURE

    emulator.set_faults(fail_writes_after=None)
    apply(client, plan(client, stage))

    assert plan(client, stage).changes == []
    origins = [o.origin for o in client.list_origins(LIVE)]
    assert sorted(origins) == ["https://app.example.com", "https://www.example.com"]
    assert managed_token_count(client, LIVE, "ci-deployer") == 1


def test_the_full_plan_needs_exactly_the_writes_the_convergence_test_counts(
    emulator: EmulatorHandle, client: DynamicClient
) -> None:
    planned = plan(client, stage_of(FULL, "production"))
    emulator.clear_requests()

    result = apply(client, planned)

    assert result.writes == len(writes(emulator)) == FULL_WRITES


# --- Only managed areas ----------------------------------------------------------------------


def test_a_stage_managing_only_origins_never_touches_the_settings(
    emulator: EmulatorHandle, client: DynamicClient
) -> None:
    # Live MFA is off and the JWT is 30 days: both would be changes if they were managed.
    stage = stage_of(policy_text(LIVE, "    allowed_origins: [https://app.example.com]\n"),
                     "production")

    planned = plan(client, stage)
    apply(client, planned)

    assert {c.area for c in planned.changes} == {"allowed_origins"}
    assert all(m != "PUT" for m, _ in writes(emulator))
    assert settings_of(emulator, LIVE)["security"]["jwtDuration"] == {"amount": 30,
                                                                      "unit": "days"}


def test_findings_on_unmanaged_areas_are_reported_but_do_not_block(
    client: DynamicClient,
) -> None:
    # MFA is off on the live environment: DS401 (error for a high-value app), but not managed.
    stage = stage_of(policy_text(LIVE, """\
    allowed_origins: [https://app.example.com]
    app: {high_value: true}
"""), "production")

    planned = plan(client, stage)

    mfa_off = [f for f in planned.findings if f.rule == "DS401"]
    assert mfa_off and mfa_off[0].severity.value == "error"
    assert not planned.blocked


# --- Blocked by policy -----------------------------------------------------------------------


def test_an_unwaived_error_blocks_apply_before_any_write(
    emulator: EmulatorHandle, client: DynamicClient
) -> None:
    stage = stage_of(policy_text(LIVE, "    allowed_origins: [http://app.example.com]\n"),
                     "production")
    planned = plan(client, stage)
    emulator.clear_requests()

    with pytest.raises(PolicyBlockedError) as caught:
        apply(client, planned)

    assert planned.blocked
    assert caught.value.exit_code == ExitCode.BLOCKED
    assert "DS104" in caught.value.render()
    assert log(emulator) == []


def test_a_due_rotation_with_nowhere_to_deliver_the_token_writes_nothing(
    emulator: EmulatorHandle, client: DynamicClient
) -> None:
    """The service refuses on its own, not only the CLI: a token issued with no receiver would
    be a live credential nobody holds."""
    planned = plan(client, stage_of(FULL))
    assert any(change.action == "rotate" for change in planned.changes)
    emulator.clear_requests()

    with pytest.raises(DynsecError) as caught:
        apply_plan(client, planned, auth_token_checksum=client.config.token.checksum)

    assert caught.value.exit_code == ExitCode.INVALID_INPUT
    assert log(emulator) == []


# --- Read-back verification ------------------------------------------------------------------


class SilentlyDropping(httpx.BaseTransport):
    """Real HTTP, except that the chosen writes are answered as if they had succeeded without
    ever reaching the server (the emulator has no fault that drops a write silently)."""

    def __init__(self, drop: str) -> None:
        self._inner = httpx.HTTPTransport()
        self._drop = drop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and self._drop == "PUT":
            return httpx.Response(200, json=json.loads(request.content), request=request)
        if request.method == "POST" and self._drop == "POST" and request.url.path.endswith(
            "/origins"
        ):
            origin = json.loads(request.content)["origin"]
            return httpx.Response(201, json={"origin": {"id": "dropped", "origin": origin}},
                                  request=request)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
def dropping_client(emulator: EmulatorHandle, request: pytest.FixtureRequest
                    ) -> Iterator[DynamicClient]:
    with make_client(emulator, transport=SilentlyDropping(request.param)) as made:
        yield made


@pytest.mark.parametrize(("dropping_client", "body", "lost"), [
    pytest.param("PUT", "    jwt_lifetime: 2h\n", "jwt_lifetime", id="settings"),
    pytest.param("POST", "    allowed_origins: [\"https://*.example.com\", "
                 "\"http://localhost:3000\", https://new.example.com]\n",
                 "https://new.example.com", id="origin"),
], indirect=["dropping_client"])
def test_a_write_that_did_not_stick_is_reported(
    emulator: EmulatorHandle, dropping_client: DynamicClient, body: str, lost: str
) -> None:
    planned = plan(dropping_client, stage_of(policy_text(LIVE, body, "staging"), "staging"))

    with pytest.raises(ChangeNotKeptError) as caught:
        apply(dropping_client, planned)

    assert caught.value.exit_code == ExitCode.API_FAILURE
    assert lost in caught.value.render()
    # Reading back is what found it: the last requests are the read-back GETs.
    assert log(emulator)[-2:] == [("GET", f"/environments/{LIVE}"),
                                  ("GET", f"/environments/{LIVE}/origins")]


def test_apply_reads_back_what_it_wrote(emulator: EmulatorHandle, client: DynamicClient) -> None:
    planned = plan(client, stage_of(policy_text(LIVE, "    jwt_lifetime: 2h\n"), "production"))
    emulator.clear_requests()

    apply(client, planned)

    assert log(emulator) == [
        ("GET", f"/environments/{LIVE}"),  # re-read right before writing (stale plan)
        ("GET", f"/environments/{LIVE}/origins"),
        ("PUT", f"/environments/{LIVE}"),
        ("GET", f"/environments/{LIVE}"),  # read back and verify
        ("GET", f"/environments/{LIVE}/origins"),
    ]
    assert read_snapshot(client, LIVE, tokens=False).security["jwtDuration"] == {
        "amount": 2, "unit": "hours"}
