"""Canary credentials through everything the tool does (docs/apply.md#secrets).

Canaries: the emulator's admin token, used as the API token; a planted token's raw value,
used through `--token-file`; the raw token a rotation issues (from `--secrets-out`), used as
the API token afterwards; a wrong token (the admin token with a suffix). They go through
every command in every format, `--debug` runs (HTTP traces, and tracebacks: errors are made
to happen), an internal error whose message carries the token, every file the runs write,
every log record, the emulator's own output (a `dynsec emulator` subprocess), and the Pulumi
provider lifecycle (an engine-equivalent host). A canary may appear only in the
`--secrets-out` file and inside Pulumi secret outputs. Not even a 12-character tail of one
may appear anywhere else (the 6-character `checksum` is Dynamic's public name for a token).

The admin canary is not shaped like a Dynamic token (`dyn_...`), so the emulator's own log
scrubber, which hides `dyn_...` values, cannot hide a leak of it from these tests.
"""

from __future__ import annotations

import base64
import json
import logging
import pickle
import signal
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.config import ClientConfig, RetryPolicy
from pulumi_dynamic_security.emulator.server import EmulatorHandle, running_emulator
from pulumi_dynamic_security.errors import DynsecError
from pulumi_dynamic_security.redaction import MASK, Secret
from pulumi_dynamic_security.rules.token_notes import build_note
from pulumi_dynamic_security.service.connection import Connection
from tests.support.cli import dynsec, instant_backoff, point_at
from tests.support.clients import reset_budget
from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT
from tests.support.processes import dynsec_emulator
from tests.support.secrets import TAIL, leaks
from tests.support.tokens import OPERATOR_SCOPES, plant

ADMIN = "canary-admin-Q7f3k9Zp2LmX8vB4wR6t"
POLICY = f"""\
version: 1
stages:
  production:
    environment_id: {LIVE}
    jwt_lifetime: 2h
    token_storage: cookie
    mfa: {{methods: [totp], require_at_login: true}}
    allowed_origins: [https://app.example.com]
    api_tokens:
      - name: ci
        scopes: [{", ".join(OPERATOR_SCOPES)}]
        rotate_every: 30d
        overlap: 1d
  staging:
    environment_id: {SANDBOX}
    allowed_origins: [https://staging.example.com]
  qa:
    environment_id: {UNKNOWN_ENVIRONMENT}
"""


@dataclass
class Sweep:
    """Everything that was printed, by run."""

    printed: dict[str, str] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)

    def dynsec(self, capsys: pytest.CaptureFixture[str], label: str, *argv: str) -> int:
        reset_budget()
        result = dynsec(capsys, *argv)
        self.printed[label] = result.out + "\n" + result.err
        self.codes[label] = result.code
        return result.code


@pytest.fixture(scope="module")
def canary_emu() -> Iterator[EmulatorHandle]:
    with running_emulator(seed="demo", token=ADMIN) as handle:
        yield handle


@pytest.fixture
def emu(canary_emu: EmulatorHandle, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> EmulatorHandle:
    canary_emu.reset("demo")
    monkeypatch.chdir(tmp_path)
    point_at(monkeypatch, canary_emu.base_url, ADMIN)
    monkeypatch.setenv("NO_COLOR", "1")
    instant_backoff(monkeypatch)
    return canary_emu


def test_every_command_keeps_every_canary_out(
    emu: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx, httpcore, uvicorn
    plant(emu, "ci", age_days=40, scopes=OPERATOR_SCOPES)  # due
    planted = plant(emu, None, note="hand-made operator token", scopes=OPERATOR_SCOPES)
    canaries = {"admin": ADMIN, "planted": planted.raw}
    (tmp_path / "dynamic-security.yaml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "planted-token").write_text(planted.raw + "\n", encoding="utf-8")
    sweep = Sweep()
    policy = "dynamic-security.yaml"
    prod = (policy, "--stage", "production")

    # Round 1: the admin canary as DYNAMIC_API_TOKEN.
    for fmt in ("text", "json", "sarif"):
        sweep.dynsec(capsys, f"validate-{fmt}", "validate", policy, "--format", fmt)
    sweep.dynsec(capsys, "validate-output", "validate", policy, "--format", "sarif",
                 "--output", "report.sarif")
    for fmt in ("text", "json", "markdown"):
        sweep.dynsec(capsys, f"plan-{fmt}", "plan", *prod, "--format", fmt, "--debug")
    sweep.dynsec(capsys, "plan-out", "plan", *prod, "--out", "plan.json", "--debug")
    assert sweep.dynsec(capsys, "apply", "apply", *prod, "--yes", "--secrets-out",
                        "secrets.json", "--debug") == 0, sweep.printed["apply"]
    issued = json.loads((tmp_path / "secrets.json").read_text(encoding="utf-8"))["ci"]["token"]
    canaries["issued"] = issued
    assert sweep.dynsec(capsys, "apply-stale-plan", "apply", *prod, "--yes", "--plan",
                        "plan.json", "--secrets-out", "more-secrets.json",
                        "--debug") == 5  # an error under --debug: traceback
    for fmt in ("text", "json", "markdown"):
        assert sweep.dynsec(capsys, f"drift-{fmt}", "drift", policy, "--format", fmt,
                            "--debug") == 4  # the qa stage's environment does not exist
    sweep.dynsec(capsys, "export", "export", "--environment-id", LIVE, "--debug")
    assert sweep.dynsec(capsys, "plan-404", "plan", policy, "--stage", "qa", "--debug") == 4
    for fmt in ("text", "markdown", "json"):
        sweep.dynsec(capsys, f"rules-{fmt}", "rules", "--format", fmt)
    sweep.dynsec(capsys, "schema", "schema")

    # A wrong token that contains the canary: 401, under --debug.
    monkeypatch.setenv("DYNAMIC_API_TOKEN", ADMIN + "-revoked")
    assert sweep.dynsec(capsys, "plan-401", "plan", *prod, "--debug") == 4

    # Round 2: the token the rotation issued, as the API token.
    monkeypatch.setenv("DYNAMIC_API_TOKEN", issued)
    sweep.dynsec(capsys, "plan-issued", "plan", *prod, "--format", "json", "--debug")
    sweep.dynsec(capsys, "drift-issued", "drift", policy, "--stage", "production", "--debug")
    sweep.dynsec(capsys, "export-issued", "export", "--environment-id", LIVE, "--debug")
    sweep.dynsec(capsys, "apply-issued", "apply", *prod, "--yes", "--debug")

    # Round 3: the planted token through --token-file.
    monkeypatch.delenv("DYNAMIC_API_TOKEN")
    file_token = ("--token-file", "planted-token")
    sweep.dynsec(capsys, "plan-token-file", "plan", *prod, *file_token, "--debug")
    sweep.dynsec(capsys, "apply-token-file", "apply", *prod, "--yes", *file_token, "--debug")
    sweep.dynsec(capsys, "export-token-file", "export", "--environment-id", LIVE, *file_token)

    # An internal error whose message carries the credential, under --debug.
    from pulumi_dynamic_security.service import plan as plan_module

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError(f"request failed with headers {{'Authorization': 'Bearer {ADMIN}'}}")

    monkeypatch.setattr(plan_module, "plan_stage", broken)
    monkeypatch.setenv("DYNAMIC_API_TOKEN", ADMIN)
    assert sweep.dynsec(capsys, "internal-error", "plan", *prod, "--debug") == 70
    assert "Traceback" in sweep.printed["internal-error"]
    assert MASK in sweep.printed["internal-error"]  # scrubbed, not dropped

    assert all(label in sweep.printed for label in ("plan-401", "apply-token-file"))
    assert "debug: pulumi_dynamic_security.api" in sweep.printed["plan-text"]  # traces on
    assert "Traceback" in sweep.printed["apply-stale-plan"]
    found = {label: leaks(text, canaries) for label, text in sweep.printed.items()}
    assert {label: names for label, names in found.items() if names} == {}
    logs = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert leaks(logs, canaries) == []
    # Scrubbing had to act only where the test itself put the token into an exception.
    scrubbed = [label for label, text in sweep.printed.items() if MASK in text]
    assert scrubbed == ["internal-error"], scrubbed

    written = {str(path.relative_to(tmp_path)): path.read_bytes()
               for path in tmp_path.rglob("*") if path.is_file()}
    assert {"report.sarif", "plan.json", "secrets.json", "planted-token"} <= set(written)
    for name, content in written.items():
        text = content.decode("utf-8", "replace")
        allowed = {"secrets.json": {"issued"}, "planted-token": {"planted"}}.get(name, set())
        assert set(leaks(text, canaries)) <= allowed, name
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600


def test_objects_exceptions_and_reprs_keep_the_token_out(emu: EmulatorHandle) -> None:
    token = Secret(ADMIN)
    config = ClientConfig(token=token, base_url=emu.base_url, retry=RetryPolicy(max_attempts=1))
    printed: list[str] = [repr(token), str(token), f"{token}", repr(config), str(config),
                          repr(Connection(emu.base_url)), repr(RetryPolicy())]
    failures: list[DynsecError] = []
    with DynamicClient(config) as client:
        printed += [repr(client), str(client)]
        created = client.create_token(LIVE, build_note("ci", datetime.now(timezone.utc)),
                                      ["environment.settings.read"])
        raw = created.raw_token.reveal()
        printed += [repr(created), str(created), repr(created.model_dump()),
                    created.model_dump_json()]
        for call in (lambda: client.get_environment(UNKNOWN_ENVIRONMENT),
                     lambda: client.add_origin(LIVE, "not an origin")):
            try:
                call()
            except DynsecError as exc:
                failures.append(exc)
    echoing = httpx.MockTransport(lambda request: httpx.Response(
        400, json={"error": f"bad header {request.headers['Authorization']}"}))
    with DynamicClient(config, transport=echoing) as client:  # a server that echoes it back
        try:
            client.get_environment(LIVE)
        except DynsecError as exc:
            failures.append(exc)
    assert len(failures) == 3
    for failure in failures:
        printed += [str(failure), repr(failure), failure.render(),
                    "".join(traceback.format_exception(failure)),
                    pickle.dumps(failure).decode("latin-1")]
    with pytest.raises(TypeError):
        pickle.dumps(token)
    for text in printed:
        assert leaks(text, {"admin": ADMIN, "issued": raw}) == [], text


# --- the emulator's own output ------------------------------------------------------------------


@pytest.mark.slow
def test_the_emulator_prints_no_token(tmp_path: Path) -> None:
    state = tmp_path / "emulator-state.json"
    with dynsec_emulator("--token", ADMIN, "--state", str(state)) as (base_url, process, banner):
        canaries = {"admin": ADMIN}
        config = ClientConfig(token=Secret(ADMIN), base_url=base_url,
                              retry=RetryPolicy(max_attempts=1))
        with DynamicClient(config) as client:
            created = client.create_token(LIVE, "canary", list(OPERATOR_SCOPES))
            canaries["issued"] = created.raw_token.reveal()
            client.add_origin(LIVE, "https://canary.example.com")
        with httpx.Client(base_url=base_url, timeout=10) as raw:
            for bearer in (ADMIN, ADMIN + "-wrong", canaries["issued"], "dyn_" + "x" * 36):
                raw.get(f"/environments/{LIVE}", headers={"Authorization": f"Bearer {bearer}"})
                raw.put(f"/environments/{LIVE}", content=b"{not json",
                        headers={"Authorization": f"Bearer {bearer}"})
                raw.post(f"/environments/{LIVE}/tokens", json={"note": ADMIN, "scopes": ["x"]},
                         headers={"Authorization": f"Bearer {bearer}"})
            raw.get("/environments", headers={"Authorization": f"Basic {ADMIN}"})
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert "admin token: the value of --token" in banner
    canaries["wrong"] = ADMIN + "-wrong"
    assert leaks(banner + out + err, canaries) == [], banner + out + err
    assert leaks(state.read_text(encoding="utf-8"), canaries) == []


# --- the Pulumi provider lifecycle --------------------------------------------------------------


@pytest.mark.slow
def test_the_provider_lifecycle_keeps_tokens_in_secrets(canary_emu: EmulatorHandle) -> None:
    from pulumi_dynamic_security.policy.loader import SecurityPolicy
    from pulumi_dynamic_security.providers import (
        AllowedOriginsArgs,
        AllowedOriginsProvider,
        ApiTokenRotationArgs,
        ApiTokenRotationProvider,
        SecuritySettingsArgs,
        SecuritySettingsProvider,
    )
    from tests.providers.conftest import program_inputs, stack_config
    from tests.providers.harness import (
        EngineResource,
        ProviderHost,
        clear_occurrences,
        is_secret,
    )

    canary_emu.reset("demo")
    stage = SecurityPolicy.from_text(POLICY).stage("production")
    entry = (stage.api_tokens or ())[0]
    host = ProviderHost().start()
    try:
        host.configure(stack_config(canary_emu, ADMIN))
        prefix = "pulumi-python:dynamic/dynamic-security:"
        resources = [
            (EngineResource(host, prefix + "SecuritySettings", "canary-settings"),
             program_inputs(SecuritySettingsArgs.from_stage(stage).props(),
                            SecuritySettingsProvider())),
            (EngineResource(host, prefix + "AllowedOrigins", "canary-origins"),
             program_inputs(AllowedOriginsArgs.from_stage(stage).props(),
                            AllowedOriginsProvider())),
            (EngineResource(host, prefix + "ApiTokenRotation", "canary-token-ci"),
             program_inputs(ApiTokenRotationArgs.from_stage(stage, entry).props(),
                            ApiTokenRotationProvider())),
        ]
        seen: list[Any] = []
        for resource, inputs in resources:
            created = host.create(resource.urn, host.check(resource.urn, {}, inputs).inputs)
            seen += [created.raw, created.outputs]
            resource.up(inputs)
            read = resource.refresh()
            seen += [read.outputs, read.inputs, resource.state, resource.inputs]
            resource.up({**inputs, "production": True})
            seen += [resource.state]
        token_state = resources[2][0].state
        issued = token_state["token"]["value"]
        assert is_secret(token_state["token"])
        canary_emu.set_faults(error_rate=1.0)  # a failing call: the host reports the error
        failing, failing_inputs = resources[0]
        with pytest.raises(Exception) as failure:
            failing.up({**failing_inputs, "jwt_lifetime": "3h"})
        canary_emu.set_faults(error_rate=0.0)
        for resource, _ in resources:
            resource.destroy()
        stderr = host.stderr_text()
    finally:
        host.stop()

    for value in seen:
        for needle in (ADMIN, issued):
            assert clear_occurrences(value, needle, tail=TAIL) == []
    providers = [base64.b64decode(inputs["__provider"]["value"]) for _, inputs in resources]
    for needle in (ADMIN, issued):
        assert all(needle.encode() not in provider for provider in providers)
        assert needle not in str(failure.value) and needle[-TAIL:] not in stderr
        assert needle not in stderr


# --- incident response and backend verification ------------------------------------------------


def test_incident_commands_and_the_verifier_keep_tokens_jwts_and_secrets_out(
    emu: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:
    import io

    from pulumi_dynamic_security.verify import (
        DynamicJwtVerifier,
        JwksUnavailable,
        JwtRejected,
        verify_webhook_signature,
    )

    caplog.set_level(logging.DEBUG)
    (tmp_path / "dynamic-security.yaml").write_text(POLICY, encoding="utf-8")
    minted = emu.mint_jwt(LIVE, sub="canary-user", aud="https://app.example.com")
    jwt, refused = minted["jwt"], emu.mint_jwt(LIVE, aud="https://evil.example.com")["jwt"]
    secret = "whsec_canary_Zq81mXv3Lp0Tn7Rk"
    canaries = {"admin": ADMIN, "jwt": jwt, "refused-jwt": refused, "webhook": secret}
    sweep = Sweep()
    prod = ("dynamic-security.yaml", "--stage", "production")

    def verify_jwt(label: str, token: str, *args: str) -> int:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(token.encode())))
        return sweep.dynsec(capsys, label, "verify-jwt", *prod, *args, "--debug")

    for fmt in ("text", "json"):
        jwt = canaries[f"jwt-{fmt}"] = emu.mint_jwt(LIVE, sub="canary-user",
                                                     aud="https://app.example.com")["jwt"]
        assert verify_jwt(f"verify-{fmt}", jwt, "--check-session", "--format", fmt) == 0
        assert verify_jwt(f"verify-refused-{fmt}", refused, "--format", fmt) == 1
        assert sweep.dynsec(capsys, f"revoke-{fmt}", "sessions", "revoke", *prod, "--user",
                            "canary-user", "--yes", "--format", fmt, "--debug") == 0
        assert verify_jwt(f"verify-revoked-{fmt}", jwt, "--check-session", "--format", fmt) == 1
        assert sweep.dynsec(capsys, f"lock-{fmt}", "lock", *prod, "--reason", "canary", "--yes",
                            "--format", fmt, "--debug") == 0
        assert sweep.dynsec(capsys, f"unlock-{fmt}", "unlock", *prod, "--yes", "--format", fmt,
                            "--debug") == 0
    assert sweep.dynsec(capsys, "revoke-all", "sessions", "revoke", *prod, "--all", "--yes",
                        "--debug") == 0
    emu.set_faults(error_rate=1.0)
    assert verify_jwt("verify-no-keys", jwt) == 4  # JwksUnavailable
    emu.set_faults(error_rate=0.0)
    monkeypatch.setenv("DYNAMIC_API_TOKEN", ADMIN + "-revoked")
    assert verify_jwt("verify-401", jwt, "--check-session") == 4

    # The library: every rejection and failure, as a backend would log it.
    printed: list[str] = []
    with DynamicJwtVerifier(LIVE, api_url=emu.base_url) as verifier:
        for token in (refused, jwt + "x", jwt.replace(".", ".x", 1), jwt[:-4] + "AAAA"):
            try:
                verifier.verify(token)
            except JwtRejected as exc:
                printed += [str(exc), repr(exc), "".join(traceback.format_exception(exc)),
                            pickle.dumps(exc).decode("latin-1")]
        claims = verifier.verify(jwt)
        printed += [repr(claims), str(claims), repr(verifier)]
    with DynamicJwtVerifier(UNKNOWN_ENVIRONMENT, api_url=emu.base_url) as stranger:
        try:
            stranger.verify(jwt)
        except JwksUnavailable as exc:
            printed += [exc.render(), repr(exc), "".join(traceback.format_exception(exc))]
    printed.append(repr(verify_webhook_signature(b"{}", secret, secret)))
    try:
        verify_webhook_signature("text", "sha256=00", secret)  # type: ignore[arg-type]
    except TypeError as exc:
        printed.append("".join(traceback.format_exception(exc)))

    assert len(printed) > 15
    found = {label: leaks(text, canaries) for label, text in sweep.printed.items()}
    assert {label: names for label, names in found.items() if names} == {}
    assert [text for text in printed if leaks(text, canaries)] == []
    logs = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert leaks(logs, canaries) == []
    assert [label for label, text in sweep.printed.items() if MASK in text] == []


# --- webhook secrets and the test account's static code ----------------------------------------

TEST_ACCOUNT_CODE = "canary-code-4417902"  # a static sign-in code: a password in all but name
WEBHOOK_POLICY = f"""\
version: 1
stages:
  production:
    environment_id: {LIVE}
    webhooks:
      - name: session-audit
        url: https://hooks.example.com/dynamic
        events: [user.session.revoked, admin.user.session.revoked]
      - name: signups
        url: https://hooks.example.com/signups
        events: [user.created]
"""


def test_webhook_secrets_and_the_test_account_code_never_leave_the_client(
    emu: EmulatorHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    emu.remove_test_account(LIVE)
    emu.plant_test_account(LIVE, code=TEST_ACCOUNT_CODE)
    (tmp_path / "dynamic-security.yaml").write_text(WEBHOOK_POLICY, encoding="utf-8")
    config = ClientConfig(token=Secret(ADMIN), base_url=emu.base_url,
                          retry=RetryPolicy(max_attempts=1))
    printed: list[str] = []
    with DynamicClient(config) as client:  # one webhook exists already, made in the dashboard
        dashboard = client.create_webhook(LIVE, "https://hooks.example.com/signups",
                                          events=["user.created"], enabled=True)
        account = client.get_test_account(LIVE)
        assert account is not None and account.code is not None
        assert account.code.reveal() == TEST_ACCOUNT_CODE
        printed += [repr(account), str(account), account.model_dump_json(), repr(dashboard),
                    dashboard.model_dump_json(), repr(account.model_dump())]
        with pytest.raises(TypeError):
            pickle.dumps(account)
    assert dashboard.secret is not None
    canaries = {"code": TEST_ACCOUNT_CODE, "dashboard-webhook": dashboard.secret.reveal()}
    sweep = Sweep()
    prod = ("dynamic-security.yaml", "--stage", "production")
    for fmt in ("text", "json", "markdown"):
        sweep.dynsec(capsys, f"plan-{fmt}", "plan", *prod, "--format", fmt, "--debug")
        sweep.dynsec(capsys, f"drift-{fmt}", "drift", "dynamic-security.yaml", "--format", fmt,
                     "--debug")
    sweep.dynsec(capsys, "plan-out", "plan", *prod, "--out", "plan.json", "--debug")
    assert sweep.dynsec(capsys, "apply", "apply", *prod, "--yes", "--secrets-out",
                        "secrets.json", "--debug") == 0, sweep.printed["apply"]
    created = json.loads((tmp_path / "secrets.json").read_text(encoding="utf-8"))
    assert list(created) == ["webhook:session-audit"]  # the dashboard's is not re-delivered
    canaries["created-webhook"] = created["webhook:session-audit"]["secret"]
    sweep.dynsec(capsys, "export", "export", "--environment-id", LIVE, "--debug")
    assert "DS603" in sweep.printed["plan-text"]  # the account was read, and judged

    found = {label: leaks(text, canaries) for label, text in sweep.printed.items()}
    assert {label: names for label, names in found.items() if names} == {}
    assert [text for text in printed if leaks(text, canaries)] == []
    logs = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert leaks(logs, canaries) == []
    for path in tmp_path.rglob("*"):
        if path.is_file():
            allowed = {"created-webhook"} if path.name == "secrets.json" else set()
            assert set(leaks(path.read_text(encoding="utf-8"), canaries)) <= allowed, path.name
