"""The JSON Schema is as strict as the loader wherever JSON Schema can say it, and never
stricter: an editor shows red for the malformed policies (tests/policy/malformed) and green
for every policy dynsec accepts.

Each malformed case is one of three kinds:

* YAML-level: the file is refused while it is read (tags, anchors, merge keys, duplicate
  keys, syntax, nesting and expansion bounds). A schema sees only the parsed document, and
  YAML parsers differ on these (most keep the last of two duplicate keys), so no schema can
  refuse them; they are listed by `parse_source` refusing them.
* NOT_EXPRESSIBLE: a document JSON Schema cannot refuse, each with the reason.
* every other case: the committed schema must refuse it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from ruamel.yaml import YAML

from pulumi_dynamic_security.errors import PolicyFileError
from pulumi_dynamic_security.policy import urls
from pulumi_dynamic_security.policy.durations import Bounds, Duration, duration_pattern
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.policy.origins import ORIGIN_PATTERN, OriginError, normalize_origin
from pulumi_dynamic_security.policy.schema import SCHEMA_FILE
from pulumi_dynamic_security.policy.source import parse_source
from tests.policy.strategies import origins, policies
from tests.policy.test_malformed import CASES, Case
from tests.policy.test_origin_table import TABLE
from tests.policy.test_schema import as_json_values
from tests.rules.test_rule_cases import CASE_FILES
from tests.rules.test_rule_cases import DEFAULT_TODAY as RULE_CASES_TODAY
from tests.support.dated import fill_dates

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / SCHEMA_FILE

NOT_EXPRESSIBLE = {
    "environment-id-duplicate.yaml":
        "uniqueness of one key across the values of a mapping (stages): JSON Schema's "
        "uniqueItems compares whole array items only",
    "token-name-duplicate.yaml":
        "uniqueness of one key (name) across array items that differ elsewhere",
    "webhook-name-duplicate.yaml":
        "uniqueness of one key (name) across array items that differ elsewhere",
    "webhook-url-duplicate.yaml":
        "uniqueness of one key (url) across array items, and after normalization (scheme and "
        "host case, the default port)",
    "external-auth-in-defaults-merged-no-issuer.yaml":
        "the merge of defaults into a stage (enabled and issuer from defaults, the issuer "
        "un-managed by the stage)",
    "overlap-equals-rotation.yaml": "a comparison between two values (overlap < rotate_every)",
    "overlap-longer-than-rotation.yaml":
        "a comparison between two values (overlap < rotate_every)",
    "require-at-login-merged.yaml":
        "the merge of defaults into a stage (require_at_login from defaults, methods emptied "
        "by the stage)",
    "version-float.yaml":
        "JSON Schema compares numbers by value: 1.0 is the integer 1 to `const: 1` and to "
        "`type: integer`",
    "waiver-expiry-too-far.yaml": "a date relative to today (at most a year ahead)",
    "waiver-unknown-stage.yaml":
        "a reference to the document's own keys (a waiver's stage must be one of `stages`)",
}
# Refused while reading, yet the document a schema would see is refused by it too.
SEEN_BY_THE_SCHEMA = {"empty-file.yaml", "top-level-list.yaml", "yaml-key-too-long.yaml"}
# Refused by the schema, but a general YAML reader (check-jsonschema's) expands its merge keys
# for minutes before the schema sees it, so the command-line check leaves it out.
SLOW_TO_READ = {"yaml-merge-bomb-ten-per-level.yaml"}


def _yaml_level(case: Case) -> bool:
    if case.name in SEEN_BY_THE_SCHEMA:
        return False
    try:
        parse_source(fill_dates(case.path.read_text(encoding="utf-8")), case.name)
    except PolicyFileError:
        return True
    return False


YAML_LEVEL = [case for case in CASES if _yaml_level(case)]
EXPRESSIBLE = [case for case in CASES
               if case not in YAML_LEVEL and case.name not in NOT_EXPRESSIBLE]


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _document(text: str) -> Any:
    """The document of `text` as a YAML 1.2 reader gives it (dynsec's own reader where it
    reads it: a general reader takes minutes over yaml-merge-bomb-ten-per-level.yaml)."""
    try:
        data = parse_source(text, "policy.yaml").data
    except PolicyFileError:
        data = YAML(typ="safe", pure=True).load(text)
    return as_json_values(data)


def _errors(text: str) -> list[str]:
    return [error.message for error in _validator().iter_errors(_document(text))]


def test_every_case_is_classified_and_the_lists_name_real_cases() -> None:
    names = {case.name for case in CASES}
    assert set(NOT_EXPRESSIBLE) <= names
    assert names >= SEEN_BY_THE_SCHEMA
    assert len(EXPRESSIBLE) + len(NOT_EXPRESSIBLE) + len(YAML_LEVEL) == len(CASES)
    assert len(EXPRESSIBLE) >= 105


@pytest.mark.parametrize("case", EXPRESSIBLE, ids=lambda case: case.name)
def test_the_schema_refuses_each_malformed_case_it_can_express(case: Case) -> None:
    assert _errors(fill_dates(case.path.read_text(encoding="utf-8"))), (
        f"{case.name}: the loader refuses it ({case.fragment!r}) but the schema accepts it"
    )


@pytest.mark.parametrize("name", sorted(NOT_EXPRESSIBLE))
def test_the_cases_it_cannot_express_pass_the_schema(name: str) -> None:
    """Keeps the list honest: a case the schema comes to refuse moves out of it."""
    case = next(case for case in CASES if case.name == name)
    assert _errors(fill_dates(case.path.read_text(encoding="utf-8"))) == []


# --- never stricter than the loader ----------------------------------------------------------


def _policy_texts() -> list[tuple[str, str, dt.date | None]]:
    """(name, text, the day it is valid on: None for today) of the example policies and of
    every rule case."""
    texts: list[tuple[str, str, dt.date | None]] = [
        (str(path.relative_to(REPO)), path.read_text(encoding="utf-8"), None)
        for path in (REPO / "examples" / "dynamic-security.yaml",
                     REPO / "pulumi_dynamic_security" / "data" / "dynamic-security.yaml")
    ]
    for rule, data in CASE_FILES.items():
        for case in data["cases"]:
            policy = case["policy"]
            text = policy if isinstance(policy, str) else json.dumps(policy)
            texts.append((f"{rule}-{case['name']}", text, case.get("today", RULE_CASES_TODAY)))
    return texts


POLICY_TEXTS = _policy_texts()


def test_the_corpus_of_valid_policies_is_large() -> None:
    assert len(POLICY_TEXTS) > 100


@pytest.mark.parametrize(("name", "text", "today"), POLICY_TEXTS,
                         ids=[name for name, _, _ in POLICY_TEXTS])
def test_every_policy_the_loader_accepts_passes_the_schema(
    name: str, text: str, today: dt.date | None
) -> None:
    SecurityPolicy.from_text(fill_dates(text), "dynamic-security.yaml", today=today)
    assert _errors(fill_dates(text)) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies())
def test_a_generated_policy_the_loader_accepts_passes_the_schema(document: dict[str, Any]) -> None:
    try:
        SecurityPolicy.from_text(json.dumps(document), "generated.json")
    except PolicyFileError:
        return  # a combination the loader refuses: only the other direction is claimed here
    assert list(_validator().iter_errors(document)) == []


def test_a_webhook_written_enabled_null_passes_the_schema() -> None:
    """Found by the property above: the loader reads `enabled: null` as not written (true),
    the schema said `type: boolean`."""
    document = {"version": 1, "stages": {"dev": {
        "environment_id": "e3e70682-c209-4cac-a29f-6fbed82c07cd",
        "webhooks": [{"name": "0", "url": "arn:aws:sns:us-east-1:000000000000:0",
                      "events": ["admin.user.session.revoked"], "enabled": None}],
    }}}
    hooks = SecurityPolicy.from_text(json.dumps(document), "generated.json").stage("dev").webhooks
    assert hooks is not None and hooks[0].enabled is True
    assert list(_validator().iter_errors(document)) == []


@settings(max_examples=300, deadline=None)
@given(origins())
def test_every_origin_the_loader_accepts_matches_the_pattern(origin: str) -> None:
    normalize_origin(origin)
    assert re.match(ORIGIN_PATTERN, origin)


def test_the_origin_table_agrees_with_the_pattern_on_what_it_accepts() -> None:
    for row in TABLE:
        if row.normalized is not None:
            assert re.match(ORIGIN_PATTERN, row.written), row.written


@pytest.mark.parametrize(
    "origin",
    ["https://x.com/", "https://a.*.*.b", "https://x.com:0", "https://x.com:65536",
     "https://x.com:000443", "ftp://x.com", "https://a..b", "https://a.", "https://u@x.com",
     "https://x.com?q", "https://x.com#f", "https://x.com/login", "app.example.com", "",
     "https://a b.com", "https://[::1]", "https://x.com:http"],
)
def test_the_pattern_refuses_what_the_loader_refuses(origin: str) -> None:
    with pytest.raises(OriginError):
        normalize_origin(origin)
    assert not re.match(ORIGIN_PATTERN, origin)


@pytest.mark.parametrize(
    ("low", "high"),
    [(Duration(1), Duration.of(days=30)), (Duration(1), None), (Duration(0), None),
     (Duration.of(hours=2), Duration.of(days=7))],
    ids=["jwt-lifetime", "positive", "any", "two-hours-to-a-week"],
)
def test_a_duration_pattern_matches_exactly_the_spellings_in_range(
    low: Duration, high: Duration | None
) -> None:
    pattern = re.compile(duration_pattern(low, high))
    bounds = Bounds(low, high)
    amounts = [*range(0, 1500), *range(10_070, 10_090), 43_199, 43_200, 43_201, 999_999_999,
               1_000_000_000]
    for amount in amounts:
        for unit in "mhd":
            for written in (f"{amount}{unit}", f"00{amount}{unit}"):
                try:
                    bounds.check(Duration.parse(written))
                    accepted = True
                except ValueError:
                    accepted = False
                assert bool(pattern.match(written)) == accepted, written
    # \u0661 is an Arabic-Indic digit one: Python's str.isdigit says yes, the loader says no
    for junk in ("", "1", "d", "1.5h", "1w", "-1d", " 1d", "1d ", "1D", "1h30m", "\u0661d"):
        assert not pattern.match(junk), junk


# --- with the tool editors and CI use --------------------------------------------------------


def _check_jsonschema(*files: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(COMMITTED),
         "--output-format", "json", *map(str, files)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.mark.slow
def test_check_jsonschema_refuses_every_expressible_case_and_accepts_the_examples(
    tmp_path: Path,
) -> None:
    checked = [case for case in EXPRESSIBLE if case.name not in SLOW_TO_READ]
    cases = [case.materialize(tmp_path) for case in checked]
    refused = _check_jsonschema(*cases)
    examples = _check_jsonschema(REPO / "examples" / "dynamic-security.yaml",
                                 REPO / "pulumi_dynamic_security" / "data" /
                                 "dynamic-security.yaml")

    failed = {Path(error["filename"]).name for error in refused["errors"]}
    failed |= {Path(error["filename"]).name for error in refused.get("parse_errors", [])}
    assert sorted(case.name for case in checked if case.name not in failed) == []
    assert examples["status"] == "ok", examples


_URL_HOSTS = ["x.com", "X.COM", "a--b.com", "a.-b.com", "münchen.de", "x.\uff43\uff4f\uff4d",
              "x.abcdefghij",
              "x.abcdefghijk", "1.2.3.com", "-a.com", "a.b", "x.co1", "203.0.113.7", "localhost",
              "*.x.com", "a_b.com", "u@x.com", "x.com."]
_URL_PORTS = ["", ":443", ":0443", ":000443", ":8443", ":", ":0", ":65535", ":65536"]
_URL_TAILS = ["", "/", "/a", "?q", "/a?b", "#f", "/a@b", "/a b", "/\x00"]


@pytest.mark.parametrize(("normalize", "pattern"), [
    (urls.normalize_webhook_url, urls.WEBHOOK_URL_PATTERN),
    (urls.normalize_jwks_url, urls.JWKS_URL_PATTERN),
], ids=["webhook-url", "jwks-url"])
def test_the_url_patterns_accept_every_url_the_loader_accepts(
    normalize: Callable[[object], str], pattern: str
) -> None:
    """Never stricter than the loader, and refusing what it refuses in ASCII (a non-ASCII
    host is the loader's to judge: UTS #46 may map it to ASCII)."""
    accepted = refused = 0
    for scheme in ("https://", "HTTPS://", "http://"):
        for host in _URL_HOSTS:
            for port in _URL_PORTS:
                for tail in _URL_TAILS:
                    url = scheme + host + port + tail
                    try:
                        normalize(url)
                    except urls.UrlError:
                        refused += 1
                        if url.isascii():
                            assert not re.match(pattern, url), url
                    else:
                        accepted += 1
                        assert re.match(pattern, url), url
    assert accepted > 100 and refused > 1000
