"""Origins as a browser reads them: one table of hosts, each with the origin it normalizes to
(or the input error it is) and the origin rules it triggers in a production stage.

The hosts: international names (UTS #46 non-transitional, IDNA 2008), dots other than ASCII
'.', invisible characters, every IPv4 spelling a browser accepts, private and shared ranges,
local suffixes, single labels, wildcards, extensions and confusable names. Then properties
over generated hosts: a normalized origin normalizes to itself, and a hidden character or a
foreign dot slipped into any valid origin is refused, never dropped.
"""

# ruff: noqa: RUF001 (the table holds look-alike letters on purpose)
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulumi_dynamic_security.errors import PolicyFileError
from pulumi_dynamic_security.policy.hosts import is_local_host
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.policy.origins import OriginError, is_local_origin, normalize_origin
from pulumi_dynamic_security.rules.engine import evaluate

ORIGIN_RULES = ("DS102", "DS103", "DS104", "DS105")
LIVE = "9a7d0000-0000-4000-8000-000000000002"


@dataclass(frozen=True)
class Row:
    written: str
    normalized: str | None  # None: an input error
    rules: tuple[str, ...] = ()  # in production, among ORIGIN_RULES
    error: str = ""  # a fragment of the input error


def ok(written: str, normalized: str, *rules: str) -> Row:
    return Row(written, normalized, rules)


def refused(written: str, error: str) -> Row:
    return Row(written, None, error=error)


TABLE = [
    # international names: UTS #46 non-transitional, IDNA 2008
    ok("https://straße.de", "https://xn--strae-oqa.de"),
    ok("https://STRASSE.de", "https://strasse.de"),
    ok("https://BÜCHER.example", "https://xn--bcher-kva.example"),
    ok("https://xn--strae-oqa.de", "https://xn--strae-oqa.de"),
    ok("https://XN--BCHER-KVA.example", "https://xn--bcher-kva.example"),
    ok("https://ς.gr", "https://xn--3xa.gr"),
    ok("https://пример.рф", "https://xn--e1afmkfd.xn--p1ai"),
    ok("https://日本語.jp", "https://xn--wgv71a119e.jp"),
    ok("https://ｅｘａｍｐｌｅ.com", "https://example.com"),
    refused("https://xn--zz.com", "does not decode to a valid international name"),
    refused("https://ex·ample.com", "not a valid international name (IDNA 2008)"),
    # only ASCII '.' separates labels
    refused("https://localhost\u3002", "U+3002 IDEOGRAPHIC FULL STOP"),
    refused("https://app\uff0eexample.com", "U+FF0E FULLWIDTH FULL STOP"),
    refused("https://app\uff61example.com", "U+FF61 HALFWIDTH IDEOGRAPHIC FULL STOP"),
    refused("https://app\ufe52example.com", "U+FE52 SMALL FULL STOP"),
    refused("https://app\u2024example.com", "U+2024 ONE DOT LEADER"),
    refused("https://app.example.com.", "ends its host with a dot"),
    refused("https://app..example.com", "empty label"),
    # invisible and default-ignorable characters
    refused("https://pay\u200dpal.com", "U+200D ZERO WIDTH JOINER"),
    refused("https://pay\u200cpal.com", "U+200C ZERO WIDTH NON-JOINER"),
    refused("https://pay\u00adpal.com", "U+00AD SOFT HYPHEN"),
    refused("https://\ufeffpaypal.com", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    refused("https://pay\u200bpal.com", "U+200B ZERO WIDTH SPACE"),
    refused("https://pay\u2060pal.com", "U+2060 WORD JOINER"),
    refused("https://pay\u034fpal.com", "U+034F COMBINING GRAPHEME JOINER"),
    refused("https://pay\ufe0fpal.com", "U+FE0F VARIATION SELECTOR-16"),
    refused("https://pay\u202epal.com", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    # every IPv4 spelling a browser accepts is its dotted quad
    ok("https://127.1", "https://127.0.0.1", "DS103"),
    ok("https://2130706433", "https://127.0.0.1", "DS103"),
    ok("https://0x7f000001", "https://127.0.0.1", "DS103"),
    ok("https://0177.0.0.1", "https://127.0.0.1", "DS103"),
    ok("https://0x7f.0.0.01", "https://127.0.0.1", "DS103"),
    ok("https://127.0.0.1:443", "https://127.0.0.1", "DS103"),
    ok("https://①②⑦.0.0.1", "https://127.0.0.1", "DS103"),
    ok("https://0.0.0.0", "https://0.0.0.0", "DS103"),
    ok("https://0", "https://0.0.0.0", "DS103"),
    refused("https://1.2.3.4.5", "more than four parts"),
    refused("https://256.0.0.1", "too large for an IPv4 address"),
    refused("https://app.example.123", "ends in a number is an IPv4 address"),
    refused("https://0x1g.0.0.1", "ends in a number is an IPv4 address"),
    refused("https://[::1]", "IPv6 literal"),
    # private, link-local and shared ranges, and their public neighbours
    ok("https://10.1", "https://10.0.0.1", "DS103"),
    ok("https://172.16.0.1", "https://172.16.0.1", "DS103"),
    ok("https://172.32.0.1", "https://172.32.0.1"),
    ok("https://192.168.0x1.1", "https://192.168.1.1", "DS103"),
    ok("https://169.254.169.254", "https://169.254.169.254", "DS103"),
    ok("https://100.64.0.1", "https://100.64.0.1", "DS103"),
    ok("https://100.127.255.255", "https://100.127.255.255", "DS103"),
    ok("https://100.128.0.1", "https://100.128.0.1"),
    ok("https://8.8.8.8", "https://8.8.8.8"),
    ok("http://192.168.1.10:8080", "http://192.168.1.10:8080", "DS103", "DS104"),
    # local names: suffixes and single labels
    ok("https://localhost", "https://localhost", "DS103"),
    ok("https://api.localhost", "https://api.localhost", "DS103"),
    ok("https://intranet", "https://intranet", "DS103"),
    ok("https://printer.local", "https://printer.local", "DS103"),
    ok("https://nas.localdomain", "https://nas.localdomain", "DS103"),
    ok("https://router.home.arpa", "https://router.home.arpa", "DS103"),
    ok("https://app.test", "https://app.test", "DS103"),
    ok("https://db.internal", "https://db.internal", "DS103"),
    ok("https://nas.lan", "https://nas.lan", "DS103"),
    ok("https://ＬＯＣＡＬＨＯＳＴ", "https://localhost", "DS103"),
    ok("https://localhost.example.com", "https://localhost.example.com"),
    ok("http://app.example.com", "http://app.example.com", "DS104"),
    ok("chrome-extension://abcdefghijklmnopabcdefghijklmnop",
       "chrome-extension://abcdefghijklmnopabcdefghijklmnop"),
    # wildcards
    ok("https://*.localhost", "https://*.localhost", "DS102", "DS103"),
    ok("https://10.*", "https://10.*", "DS102", "DS103"),
    ok("https://*.example.com", "https://*.example.com", "DS102"),
    # confusable names
    ok("https://pаypal.com", "https://xn--pypal-4ve.com", "DS105"),
    ok("https://xn--pypal-4ve.com", "https://xn--pypal-4ve.com", "DS105"),
    ok("https://ρaypal.com", "https://xn--aypal-2ce.com", "DS105"),
    ok("https://аррӏе.com", "https://xn--80ak6aa92e.com", "DS105"),
    ok("https://gıthub.com", "https://xn--gthub-n4a.com", "DS105"),
    ok("https://ɑpple.com", "https://xn--pple-p5b.com", "DS105"),
    ok("https://中文ab.com", "https://xn--ab-py2cs33g.com"),
]


def test_the_table_is_large_and_covers_every_kind() -> None:
    assert len(TABLE) >= 40
    assert len({row.written for row in TABLE}) == len(TABLE)
    assert sum(row.normalized is None for row in TABLE) >= 15
    for rule in ORIGIN_RULES:
        assert any(rule in row.rules for row in TABLE), rule


def _policy(origin: str) -> str:
    return json.dumps({"version": 1, "stages": {"production": {
        "environment_id": LIVE, "allowed_origins": ["https://app.example.com", origin]}}},
        ensure_ascii=False)


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.written.encode("unicode_escape")
                         .decode("ascii"))
def test_origin(row: Row) -> None:
    if row.normalized is None:
        with pytest.raises(PolicyFileError) as caught:
            SecurityPolicy.from_text(_policy(row.written), "p.json")
        (problem,) = caught.value.problems
        assert problem.line == 1  # JSON on one line: the line of the origin
        assert "stages.production.allowed_origins[1]" in problem.message
        assert row.error in problem.message, problem.message
        return
    stage = SecurityPolicy.from_text(_policy(row.written), "p.json").stage("production")
    assert stage.production
    assert stage.allowed_origins == ("https://app.example.com", row.normalized)
    assert normalize_origin(row.normalized) == row.normalized
    findings = evaluate(stage).findings
    fired = tuple(sorted({f.rule for f in findings if f.rule in ORIGIN_RULES}))
    assert fired == tuple(sorted(row.rules)), [f.message for f in findings]
    for finding in findings:
        if finding.rule in ORIGIN_RULES:
            assert finding.path == "allowed_origins[1]"


# --- properties ------------------------------------------------------------------------------

LETTERS = st.characters(categories=("Ll", "Lu", "Lo", "Nd", "Mn"), max_codepoint=0x2FFFF)
HIDDEN = st.sampled_from([
    "\u200d", "\u200c", "\u00ad", "\ufeff", "\u200b", "\u2060", "\u034f", "\ufe0f", "\u180e",
    "\u202e", "\u2066", "\U000e0001", "\u3002", "\uff0e", "\uff61", "\ufe52", "\u2024",
])


@st.composite
def any_origin(draw: st.DrawFn) -> str:
    labels = draw(st.lists(st.text(LETTERS | st.sampled_from("-.0x"), min_size=1, max_size=10),
                           min_size=1, max_size=4))
    port = draw(st.sampled_from(["", ":443", ":80", ":8080", ":*"]))
    return f"{draw(st.sampled_from(['http', 'https']))}://{'.'.join(labels)}{port}"


@given(any_origin())
def test_a_normalized_origin_normalizes_to_itself(origin: str) -> None:
    try:
        normalized = normalize_origin(origin)
    except OriginError:
        return
    assert normalized.isascii()
    assert normalize_origin(normalized) == normalized


@given(st.sampled_from([row.written for row in TABLE if row.normalized]), HIDDEN,
       st.integers(0, 60))
def test_a_hidden_character_or_foreign_dot_is_refused_never_dropped(
    origin: str, hidden: str, at: int
) -> None:
    scheme, _, rest = origin.partition("://")
    host_end = rest.find(":") if ":" in rest else len(rest)
    position = min(at, host_end)
    with pytest.raises(OriginError):
        normalize_origin(f"{scheme}://{rest[:position]}{hidden}{rest[position:]}")


@pytest.mark.parametrize(("host", "local"), [
    ("[::1]", True), ("[::]", True), ("[fe80::1]", True), ("[fd12:3456::1]", True),
    ("[fec0::1]", True), ("[::ffff:127.0.0.1]", True), ("[::ffff:7f00:1]", True),
    ("[::ffff:10.0.0.1]", True), ("[::127.0.0.1]", True), ("[64:ff9b::192.168.0.1]", True),
    ("[::ffff:8.8.8.8]", False), ("[2001:4860:4860::8888]", False), ("[64:ff9b::8.8.8.8]", False),
    ("[not-an-address]", False),
])
def test_ipv6_forms_of_local_addresses(host: str, local: bool) -> None:
    # Dynamic refuses IPv6 literals in a policy, so these reach DS103 only as live origins
    # the API returned; they are judged all the same.
    assert is_local_origin(f"https://{host}:8443") is local
    assert is_local_host(host) is local
