"""The policy loader fed random documents never fails with anything but `PolicyFileError`.

Whatever a pull request puts in `dynamic-security.yaml`, `dynsec validate` must answer with
exit 3 and a located message, or load it: never an internal error, a hang or a memory blow-up.
The documents: policy-shaped trees whose values mix valid and broken ones (every area, its
valid values drawn by tests/policy/strategies.py; urls and event names broken as a user would
break them among the scalars), random trees of valid keys and junk, written as YAML or JSON;
random text and random bytes; deep nesting; YAML aliases nested in aliases ("billion laughs");
huge numbers; odd unicode.

Bounded for CI: a few hundred examples in all (a few seconds), no per-example deadline.
"""

from __future__ import annotations

import json
import string
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_dynamic_security.emulator.events import EVENT_NAMES
from pulumi_dynamic_security.errors import PolicyFileError
from pulumi_dynamic_security.policy import source
from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.rules.catalog import rule_ids
from pulumi_dynamic_security.vocabulary import MFA_ACTIONS, MFA_METHODS
from tests.policy.strategies import (
    claim_texts,
    external_auth,
    jwks_urls,
    notifications,
    webhook_lists,
    webhook_urls,
)

FUZZ = settings(
    max_examples=120, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)

KEYS = [
    "version", "defaults", "stages", "waivers", "$schema", "jwt_lifetime", "token_storage",
    "mfa", "methods", "require_at_login", "require_for_actions", "backup_codes",
    "allowed_origins", "api_tokens", "name", "scopes", "rotate_every", "overlap", "app",
    "embedded_wallets", "sms_sign_in", "high_value", "limits", "production_jwt_max",
    "wallet_jwt_max", "token_rotation_max", "environment_id", "production", "token_env",
    "rule", "reason", "expires", "values", "<<", "external_auth", "enabled", "issuer",
    "audience", "jwks_url", "cookie_name", "notifications", "key_export", "signed_transaction",
    "credential_linked", "credential_unlinked", "webhooks", "url", "events",
]
ODD_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from(
        ["\u0000", "\ufeff", "\u202e", "\u00e9", "\u0301", "\U0001f600", "\t", "\r", "\x85",
         "\u2028", "ǅ", "İ", "ß", "\u0661", "*", ":", "#", "&", "!", "|", ">", "{", "[", "'", '"']
    ),
    max_size=30,
)
HUGE = st.integers(min_value=10**18, max_value=10**4000) | st.integers(max_value=-(10**18))
DURATIONS = st.sampled_from(["12h", "1m", "30d", "0m", "-1d", "31d", "1.5h", "h", "12", "1w",
                             "99999999999999999999d", "1" + "0" * 5000 + "h", "\uff12h", " 1h"])
ORIGINS = st.sampled_from([
    "https://app.example.com", "http://localhost:3000", "https://*.preview.example.com",
    "chrome-extension://abcdef", "https://xn--bcher-kva.example", "https://bücher.example",
    "https://a.example.com/", "https://*.*.example.com", "ftp://x", "https://[::1]:443",
    "https://a.example.com:99999", "https://user@a.example.com", "", "*",
    "https://" + "a" * 300 + ".com", "https://\u0000.com",
])
URLS = jwks_urls() | webhook_urls() | st.sampled_from([
    "http://hooks.example.com/in", "https://hooks.example.com:8443/in", "https://10.0.0.1/in",
    "https://localhost/in", "https://u:p@hooks.example.com/", "https://hooks.example.com/#f",
    "https://*.example.com/in", "https://bücher.example/in", "https://xn--80ak6aa92e.com/",
    "arn:aws:sns:us-east-1:123:topic", "arn:aws:sqs:us-east-1:123456789012:q", "ARN:aws:sns:x",
    "https://" + "a" * 3000 + ".com/", "https://a.com/\u0000", "https://a.com/ b", "",
])
EVENTS = st.sampled_from([*EVENT_NAMES, "user", "user..created", "User.Created", "a" * 300])
UUIDS = st.uuids().map(str) | st.sampled_from(
    ["0C000000-0000-4000-8000-000000000001", "3f0c1b9e-...", "not-a-uuid", ""])
DATES = st.dates().map(str) | st.sampled_from(["2027-02-30", "tomorrow", "99999-01-01"])
SCALARS = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | HUGE
    | st.floats(allow_nan=True, allow_infinity=True) | ODD_TEXT | DURATIONS | ORIGINS
    | UUIDS | DATES | URLS | EVENTS
    | st.sampled_from([*MFA_METHODS, *MFA_ACTIONS, *sorted(rule_ids())])
)
KEY_TEXT = st.sampled_from(KEYS) | ODD_TEXT


def trees(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda children: st.lists(children, max_size=4)
        | st.dictionaries(KEY_TEXT, children, max_size=5),
        max_leaves=25,
    )


JUNK = SCALARS | st.lists(SCALARS, max_size=3) | st.dictionaries(KEY_TEXT, SCALARS, max_size=3)


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly `valid`, sometimes anything at all."""
    return st.one_of(valid, valid, valid, JUNK)


@st.composite
def areas(draw: st.DrawFn) -> dict[str, Any]:
    candidates = {
        "jwt_lifetime": maybe(DURATIONS),
        "token_storage": maybe(st.sampled_from(["cookie", "localstorage", "both"])),
        "mfa": maybe(st.fixed_dictionaries({}, optional={
            "methods": maybe(st.lists(st.sampled_from([*MFA_METHODS, "sms"]), max_size=4)),
            "require_at_login": maybe(st.booleans()),
            "require_for_actions": maybe(st.lists(st.sampled_from([*MFA_ACTIONS, "x.y"]),
                                                  max_size=3)),
            "backup_codes": maybe(st.booleans()),
        })),
        "allowed_origins": maybe(st.lists(ORIGINS, max_size=4)),
        "api_tokens": maybe(st.lists(st.fixed_dictionaries({
            "name": maybe(st.sampled_from(["ci", "ci-deployer", "CI", "a" * 41])),
            "scopes": maybe(st.lists(st.sampled_from(
                ["environment.settings.read", "environment.apiTokens.write", "bogus"]),
                max_size=3)),
            "rotate_every": DURATIONS, "overlap": DURATIONS,
        }), max_size=3)),
        "external_auth": maybe(external_auth() | st.fixed_dictionaries({}, optional={
            key: maybe(URLS | claim_texts | st.booleans())
            for key in ("enabled", "issuer", "audience", "jwks_url", "cookie_name")
        })),
        "notifications": maybe(notifications),
        "webhooks": maybe(webhook_lists() | st.lists(st.fixed_dictionaries({
            "name": maybe(st.sampled_from(["audit", "Audit", "a" * 41, ""])),
            "url": maybe(URLS),
            "events": maybe(st.lists(EVENTS, max_size=3)),
        }, optional={"enabled": maybe(st.booleans() | st.none())}), max_size=3)),
        "app": maybe(st.fixed_dictionaries({}, optional={
            "embedded_wallets": st.booleans(), "high_value": maybe(st.booleans())})),
        "limits": maybe(st.fixed_dictionaries({}, optional={
            "production_jwt_max": DURATIONS, "token_rotation_max": DURATIONS})),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(candidates)), unique=True, max_size=6))
    return {key: draw(candidates[key]) for key in chosen}


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    """Policy-shaped documents whose values are mostly plausible, sometimes anything."""
    names = draw(st.lists(st.sampled_from(["dev", "staging", "production", "prod", "Live",
                                           "-bad", "a" * 70]), min_size=1, max_size=3,
                          unique=True))
    stages = {}
    for name in names:
        stage = draw(areas())
        stage["environment_id"] = draw(maybe(UUIDS))
        if draw(st.booleans()):
            stage["production"] = draw(maybe(st.booleans()))
        if draw(st.booleans()):
            stage["token_env"] = draw(maybe(st.sampled_from(["DYNAMIC_API_TOKEN", "1BAD"])))
        stages[name] = draw(st.one_of(st.just(stage), st.just(stage), st.none()))
    document: dict[str, Any] = {"version": draw(maybe(st.just(1))), "stages": stages}
    if draw(st.booleans()):
        document["defaults"] = draw(areas())
    if draw(st.booleans()):
        document["waivers"] = draw(st.lists(st.fixed_dictionaries({
            "rule": maybe(st.sampled_from([*sorted(rule_ids()), "DS999", "ds101"])),
            "reason": maybe(ODD_TEXT),
            "expires": maybe(DATES),
        }, optional={"stages": maybe(st.lists(st.sampled_from([*names, "nope"]))),
                     "values": maybe(st.lists(ORIGINS, max_size=2))}), max_size=3))
    if draw(st.booleans()):
        document[draw(KEY_TEXT)] = draw(JUNK)
    return document


def as_yaml(data: Any) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(data, Dumper=dumper, default_flow_style=False, allow_unicode=True))


def as_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def serialized(documents: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    return documents.flatmap(lambda doc: st.sampled_from([as_yaml(doc), as_json(doc)]))


def loads_or_refuses(text: str) -> None:
    try:
        policy = SecurityPolicy.from_text(text)
    except PolicyFileError as error:
        rendered = error.render()
        assert rendered.strip()
        assert "Traceback" not in rendered
        assert "set_int_max_str_digits" not in rendered  # Python's words are not advice
        return
    for name in policy.stages:  # a loaded policy resolves every stage
        policy.stage(name)


@FUZZ
@given(serialized(policies()))
def test_policy_shaped_documents(text: str) -> None:
    loads_or_refuses(text)


@FUZZ
@given(serialized(trees(SCALARS)))
def test_random_trees_of_keys_and_junk(text: str) -> None:
    loads_or_refuses(text)


@FUZZ
@given(st.lists(st.characters(codec="utf-8", exclude_categories=["Cs"])
                | st.sampled_from([*string.printable, "&a ", "*a", "<<: ", "!!str ", "---\n",
                                   "version: 1\n", "stages:\n  dev:\n", "  - "]),
                max_size=80).map("".join))
def test_random_text(text: str) -> None:
    loads_or_refuses(text)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_from_a_file(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "dynamic-security.yaml"
        path.write_bytes(content)
        try:
            SecurityPolicy.load(path)
        except PolicyFileError as error:
            assert "Traceback" not in error.render()


class PurePythonLoader(yaml.SafeLoader):
    """What the loader is without libyaml (a platform with no PyYAML wheel): PyYAML's
    pure-Python parser feeding the same composer."""


@pytest.fixture(params=["libyaml", "pure-python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "pure-python":
        monkeypatch.setattr(source, "_Loader", PurePythonLoader)
    return str(request.param)


@settings(max_examples=20, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(1, 1500), st.sampled_from(["flow-list", "flow-map", "block", "json"]))
def test_deep_nesting(parser: str, depth: int, shape: str) -> None:
    if shape == "flow-list":
        body = "[" * depth + "]" * depth
    elif shape == "flow-map":
        body = "{a: " * depth + "1" + "}" * depth
    elif shape == "json":
        body = '{"a": ' * depth + "1" + "}" * depth
    else:
        body = "\n" + "".join("  " * level + f"k{level}:\n" for level in range(1, depth + 1))
    loads_or_refuses(f"version: 1\nstages: {body}\n")


@settings(max_examples=8, deadline=None, database=None)
@given(st.integers(1, 12), st.integers(2, 12))
def test_aliases_inside_aliases(levels: int, fan_out: int) -> None:
    lines = ["version: 1", "a0: &a0 [x, y]"]
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * fan_out)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"stages: {{dev: {{environment_id: *a{levels}}}}}")
    loads_or_refuses("\n".join(lines) + "\n")


NUMBER_TEMPLATES = [
    "version: {}\nstages: {{}}",
    "version: 1\nstages: {{dev: {{environment_id: x, jwt_lifetime: {}h}}}}",
    "version: 1\nstages: {{dev: {{environment_id: x, production: {}}}}}",
    "version: 1\n{}: 1\nstages: {{}}",
    "version: 1\nstages: {{dev: {{environment_id: x, allowed_origins: ['https://a.com:{}']}}}}",
    "version: {}.5e99999\nstages: {{}}",
    '{{"version": {}, "stages": {{}}}}',
]


@settings(max_examples=30, deadline=None, database=None)
@given(st.integers(15, 6000), st.sampled_from(["", "-", "0x", "0o", "+"]),
       st.sampled_from(NUMBER_TEMPLATES))
def test_huge_numbers(digits: int, prefix: str, template: str) -> None:
    # Past Python's 4300-digit limit for int(str) too.
    loads_or_refuses(template.format(prefix + "7" * digits) + "\n")


@FUZZ
@given(trees(SCALARS) | st.fixed_dictionaries({
    "amount": SCALARS | st.sampled_from([float("inf"), float("-inf"), float("nan"), 10**400]),
    "unit": st.sampled_from(["minutes", "hours", "days", "weeks"]) | SCALARS,
}))
def test_live_durations_the_api_could_send(value: Any) -> None:
    # Live values come from the API: a broken or hostile answer is not understood (None),
    # never an exception (Python's json reads Infinity and NaN).
    parsed = Duration.from_api(value)
    assert parsed is None or isinstance(parsed, Duration)
