"""ClientConfig, RetryPolicy, Retry-After parsing and the wire models, without a server."""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from pulumi_dynamic_security.api.config import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_REQUESTS_PER_MINUTE,
    ClientConfig,
    RetryPolicy,
)
from pulumi_dynamic_security.api.config import DEFAULT_BASE_URL as DEFAULT_API_URL  # the CLI's
from pulumi_dynamic_security.api.models import CreatedToken, ProjectEnvironment
from pulumi_dynamic_security.api.transport import parse_retry_after
from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.redaction import Secret

CANARY = "dyn_CANARYconfig0123456789abcdef"


def test_defaults_match_the_cli() -> None:
    config = ClientConfig(token=Secret(CANARY))
    assert config.base_url == DEFAULT_BASE_URL == DEFAULT_API_URL
    assert config.max_requests_per_minute == DEFAULT_MAX_REQUESTS_PER_MINUTE


def test_config_repr_hides_the_token() -> None:
    config = ClientConfig(token=Secret(CANARY), base_url="http://127.0.0.1:1/api/v0/")
    assert CANARY not in repr(config) and CANARY not in str(config)
    assert "Secret(***)" in repr(config)
    assert config.base_url == "http://127.0.0.1:1/api/v0"


def test_config_refuses_a_plain_string_token_and_bad_urls() -> None:
    with pytest.raises(TypeError):
        ClientConfig(token=CANARY)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not an http"):
        ClientConfig(token=Secret(CANARY), base_url="app.dynamicauth.com/api/v0")
    with pytest.raises(ValueError):
        ClientConfig(token=Secret(CANARY), max_requests_per_minute=0)


def test_backoff_is_capped_exponential_with_full_jitter() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=4.0)
    assert [policy.backoff(n, lambda: 1.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1, 2, 4, 4]
    assert policy.backoff(3, lambda: 0.0) == 0.0
    assert 0.0 <= policy.backoff(2) <= 1.0


def test_retry_after_seconds_and_dates() -> None:
    assert parse_retry_after(None) is None
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    later = datetime.now(timezone.utc) + timedelta(seconds=30)
    seconds = parse_retry_after(format_datetime(later, usegmt=True))
    assert seconds is not None and 25 <= seconds <= 31


RAW = (
    '{"id": "e", "sdkVersion": "1", "settings": {"zeta": {"b": 1, "a": [1.5, null, "x"]},'
    ' "security": {"jwtDuration": {"amount": 2, "unit": "hours"},'
    ' "auth": {"storage": ["cookie"]}, "futureKey": true,'
    ' "mfa": {"enabled": true, "required": false, "availableMethods": ["totp"],'
    ' "methods": [{"type": "totp", "enabled": true, "allowBackupCodes": true, "new": 1}],'
    ' "actions": [{"action": "wallet.waas.export", "required": true}]},'
    ' "hCaptcha": {"enabled": false}, "externalAuth": {"enabled": false, "iss": null}},'
    ' "alpha": 0, "environmentName": "live"}, "updatedAt": "2026-01-02T03:04:05.678Z",'
    ' "extraTop": {"k": "v"}}'
)


def test_settings_are_kept_exactly_as_received_with_a_typed_view() -> None:
    data = json.loads(RAW)
    env = ProjectEnvironment.model_validate(data)
    assert json.dumps(env.settings) == json.dumps(data["settings"])
    assert list(env.settings) == ["zeta", "security", "alpha", "environmentName"]
    assert env.environment_name == "live"
    security = env.security
    assert security.jwt_duration is not None and security.jwt_duration.amount == 2
    assert security.auth is not None and security.auth.storage == ["cookie"]
    assert security.mfa is not None and security.mfa.methods[0].allow_backup_codes is True
    assert security.mfa.actions[0].action == "wallet.waas.export"
    assert security.external_auth is not None and security.external_auth.iss is None
    assert env.model_extra == {"extraTop": {"k": "v"}}
    assert env.updated_at == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    # The view is read-only; a writer works on a copy.
    with pytest.raises(ValueError):
        security.jwt_duration.amount = 3  # type: ignore[misc]
    copy = env.settings_copy()
    copy["security"]["jwtDuration"]["amount"] = 5
    assert env.settings["security"]["jwtDuration"]["amount"] == 2


def test_a_created_tokens_raw_value_never_shows() -> None:
    token = CreatedToken.model_validate(
        {"id": "t", "checksum": "abcdef", "createdAt": "2026-01-01T00:00:00Z",
         "rawToken": CANARY, "note": "n", "scopes": None}
    )
    assert token.raw_token.reveal() == CANARY
    assert token.scopes == []
    for text in (repr(token), str(token), str(token.model_dump()), token.model_dump_json()):
        assert CANARY not in text
    with pytest.raises(TypeError):
        pickle.dumps(token)
