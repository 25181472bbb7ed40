"""Properties of the policy's building blocks, checked on generated inputs (hypothesis).

* origin normalization is idempotent and ignores case;
* durations compare by value, whatever unit they are written in;
* a policy dumped by the models (`model_dump(mode="json", by_alias=True, exclude_unset=True)`)
  and written back as YAML or JSON loads equal (every area, tests/policy/strategies.py).
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from pulumi_dynamic_security.errors import PolicyFileError
from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.policy.origins import normalize_origin
from tests.policy.strategies import UNIT_MINUTES, origins, policies, random_case

# --- origins ---------------------------------------------------------------------------------


@given(origins())
def test_origin_normalization_is_idempotent(origin: str) -> None:
    normalized = normalize_origin(origin)
    assert normalize_origin(normalized) == normalized


@given(origins(), st.data())
def test_origin_normalization_ignores_case(origin: str, data: st.DataObject) -> None:
    recased = data.draw(random_case(origin))
    assert normalize_origin(recased) == normalize_origin(origin)
    assert normalize_origin(origin.upper()) == normalize_origin(origin.lower())


@given(origins())
def test_normalized_origin_is_lower_case_ascii_without_default_port(origin: str) -> None:
    normalized = normalize_origin(origin)
    assert normalized.isascii()
    assert normalized == normalized.lower()
    assert not normalized.endswith((":443",)) or not normalized.startswith("https:")
    assert not normalized.endswith((":80",)) or not normalized.startswith("http:")
    assert normalized.count("*") <= 1


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("HTTPS://App.Example.COM:443", "https://app.example.com"),
        ("http://localhost:80", "http://localhost"),
        ("http://localhost:0080", "http://localhost"),
        ("https://example.com:80", "https://example.com:80"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
        ("https://BÜCHER.example", "https://xn--bcher-kva.example"),
        ("https://*.Preview.Example.com", "https://*.preview.example.com"),
        ("chrome-extension://ABCDEF", "chrome-extension://abcdef"),
        ("https://app.example.com:*", "https://app.example.com:*"),
    ],
)
def test_origin_normalization_examples(written: str, normalized: str) -> None:
    assert normalize_origin(written) == normalized


# --- durations -------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=10**7)
written_durations = st.tuples(amounts, st.sampled_from(sorted(UNIT_MINUTES)))


@given(amounts)
def test_hours_equal_their_minutes(n: int) -> None:
    hours, minutes = Duration.parse(f"{n}h"), Duration.parse(f"{n * 60}m")
    assert hours == minutes
    assert hash(hours) == hash(minutes)


@given(amounts)
def test_days_equal_their_hours(n: int) -> None:
    assert Duration.parse(f"{n}d") == Duration.parse(f"{n * 24}h")


def test_a_day_is_24_hours() -> None:
    assert Duration.parse("24h") == Duration.parse("1d") == Duration.parse("1440m")
    assert str(Duration.parse("24h")) == "1d"
    assert Duration.parse("24h").to_api() == {"amount": 1, "unit": "days"}


@given(written_durations, written_durations)
def test_ordering_follows_the_number_of_minutes(
    a: tuple[int, str], b: tuple[int, str]
) -> None:
    left, right = Duration.parse(f"{a[0]}{a[1]}"), Duration.parse(f"{b[0]}{b[1]}")
    minutes_a, minutes_b = a[0] * UNIT_MINUTES[a[1]], b[0] * UNIT_MINUTES[b[1]]
    assert (left < right) == (minutes_a < minutes_b)
    assert (left == right) == (minutes_a == minutes_b)
    assert (left > right) == (minutes_a > minutes_b)
    assert left.minutes == minutes_a


@given(written_durations)
def test_canonical_text_round_trips(written: tuple[int, str]) -> None:
    duration = Duration.parse(f"{written[0]}{written[1]}")
    canonical = str(duration)
    assert Duration.parse(canonical) == duration
    assert str(Duration.parse(canonical)) == canonical
    amount, unit = int(canonical[:-1]), canonical[-1]
    bigger = {"m": "h", "h": "d"}.get(unit)
    if duration.minutes and bigger:  # the largest whole unit was chosen
        assert (amount * UNIT_MINUTES[unit]) % UNIT_MINUTES[bigger] != 0


@given(written_durations)
def test_the_api_form_round_trips(written: tuple[int, str]) -> None:
    duration = Duration.parse(f"{written[0]}{written[1]}")
    assume(duration.minutes > 0)
    assert Duration.from_api(duration.to_api()) == duration


# --- whole policies --------------------------------------------------------------------------


def _as_yaml(document: dict[str, Any]) -> str:
    stream = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump(document, stream)
    return stream.getvalue()


def _load(text: str, name: str) -> SecurityPolicy:
    try:
        return SecurityPolicy.from_text(text, name)
    except PolicyFileError as error:
        # a generated combination the rules of the file forbid (e.g. require_at_login with
        # the methods emptied by a stage, external_auth enabled with its issuer un-managed):
        # not what this property is about. Any other refusal is a value the generators hold
        # valid and the loader refuses: a bug.
        assume(not all(" is true but " in problem.message for problem in error.problems))
        raise


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies(), st.sampled_from(["yaml", "json"]))
def test_a_dumped_policy_reloads_equal(document: dict[str, Any], syntax: str) -> None:
    first = _load(json.dumps(document), "generated.json")

    dumped = first.model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    text = _as_yaml(dumped) if syntax == "yaml" else json.dumps(dumped, indent=2)
    again = SecurityPolicy.from_text(text, f"dumped.{syntax}")

    assert again.model == first.model
    assert again.model.model_dump(mode="json", by_alias=True, exclude_unset=True) == dumped
    assert dict(again.stages) == dict(first.stages)


def test_a_json_policy_with_a_character_beyond_the_basic_plane_loads() -> None:
    """Found by the property above: `json.dumps` escapes 😀 as a UTF-16 surrogate pair,
    `"\\ud83d\\ude00"`, which is valid JSON and was refused as invalid YAML."""
    document = {"version": 1, "stages": {"dev": {
        "environment_id": "e3e70682-c209-4cac-a29f-6fbed82c07cd",
        "webhooks": [{"name": "a", "url": "https://hooks.example.com/\U0001f600",
                      "events": ["user.created"]}],
    }}}
    text = json.dumps(document)
    assert "\\ud83d\\ude00" in text
    loaded = SecurityPolicy.from_text(text, "generated.json")
    hook = loaded.stage("dev").webhooks
    assert hook is not None and hook[0].url == "https://hooks.example.com/\U0001f600"
    assert loaded.model == SecurityPolicy.from_text(json.dumps(document, ensure_ascii=False),
                                                    "generated.json").model


@pytest.mark.parametrize(("written", "read"), [
    # an escaped backslash before `u`: text, not a pair (and the lone low half is refused)
    ('"a\\\\ud83d\\ude00"', None),
    # YAML, not JSON: a single-quoted scalar keeps its backslashes
    ("'a\\ud83d\\ude00'", "a\\ud83d\\ude00"),
    ('"\\\\\\ud83d\\ude00"', "\\\U0001f600"),
])
def test_only_escaped_surrogate_pairs_of_json_are_joined(written: str, read: str | None) -> None:
    text = ('{"version": 1, "$schema": ' + written + ', "stages": {"dev": '
            '{"environment_id": "e3e70682-c209-4cac-a29f-6fbed82c07cd"}}}')
    if read is None:
        with pytest.raises(PolicyFileError, match="not valid YAML or JSON"):
            SecurityPolicy.from_text(text, "policy.json")
    else:
        assert SecurityPolicy.from_text(text, "policy.json").model.schema_uri == read
