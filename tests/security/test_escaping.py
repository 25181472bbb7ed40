"""The escaping layer itself (`pulumi_dynamic_security.escaping`), one output kind at a time:
every hostile string of `tests/security/hostile.py`, and random text (hypothesis), through
`text`, `markdown`, `markdown_code` (in a table and inline) and `json_dumps`.

The renderers' own use of it, with hostile data planted in the emulator and in policies, is
in test_untrusted_text.py.
"""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulumi_dynamic_security import escaping
from tests.security.hostile import (
    HOSTILE,
    check_markdown,
    check_text,
    render_markdown,
    visible_text,
)

CASES = sorted(HOSTILE.items())
EXTRA = {
    "lone-surrogate": "half \ud800 a pair",
    "astral-format": "tag \U000e0041 char",
    "line-separators": "one\u2028two\u2029three",
    "empty": "",
    "spaces": "  padded  ",
    "only-backticks": "```",
}
ALL = [*CASES, *sorted(EXTRA.items())]
TEXTS = st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.sampled_from(
    [value for _, value in ALL]
)


def _table(value: str) -> str:
    return "\n".join([
        "| Effect | Setting | Change |",
        "|---|---|---|",
        f"| {escaping.markdown(value)} | {escaping.markdown_code(value, in_table=True)} | x |",
    ])


@pytest.mark.parametrize(("name", "value"), ALL, ids=[name for name, _ in ALL])
def test_text_is_one_safe_line(name: str, value: str) -> None:
    escaped = escaping.text(value)
    check_text(escaped)
    assert "\n" not in escaped and "\r" not in escaped
    escaped.encode("utf-8")  # a lone surrogate would make printing it fail
    assert escaping.text(escaped) == escaped  # escaping twice changes nothing more


@pytest.mark.parametrize(("name", "value"), ALL, ids=[name for name, _ in ALL])
def test_markdown_renders_as_the_same_characters(name: str, value: str) -> None:
    source = f"- {escaping.markdown(value)}"
    html = check_markdown(source)
    shown = visible_text(html).strip()
    assert shown == escaping.controls(value).strip(), html


@pytest.mark.parametrize(("name", "value"), ALL, ids=[name for name, _ in ALL])
def test_markdown_in_a_table_keeps_its_columns(name: str, value: str) -> None:
    html = check_markdown(_table(value))
    assert html.count("<td") == 3, html
    first_cell = html.split("<td>")[1].split("</td>")[0]
    assert visible_text(first_cell).strip() == escaping.controls(value).strip(), html


@pytest.mark.parametrize(("name", "value"), ALL, ids=[name for name, _ in ALL])
def test_code_spans_hold_the_value(name: str, value: str) -> None:
    for in_table in (True, False):
        span = escaping.markdown_code(value, in_table=in_table)
        source = _table(value) if in_table else f"- {span}"
        html = check_markdown(source)
        if not value:
            continue
        code = html.split("<code>")[-1].split("</code>")[0]
        expected = escaping.controls(value).replace("##[", "#\\x23[")
        assert visible_text(code) == expected, html


@pytest.mark.parametrize(("name", "value"), ALL, ids=[name for name, _ in ALL])
def test_json_round_trips_exactly(name: str, value: str) -> None:
    document = {"message": value, "list": [value]}
    dumped = escaping.json_dumps(document)
    assert json.loads(dumped) == document
    check_text(dumped)
    dumped.encode("utf-8")


def test_the_named_defects() -> None:
    # The reproduced defects, as a reader of each output would meet them.
    heading = "</td></tr></table><h1>LGTM, safe to merge</h1>"
    assert "<h1>" not in render_markdown(f"| a |\n|---|\n| {escaping.markdown(heading)} |")
    assert escaping.text("ok\n::error::x") == "ok\\x0a::error::x"
    assert escaping.text("::error::x") == "\\x3a:error::x"
    assert escaping.text("\x1b[31mred") == "\\x1b[31mred"
    assert escaping.text("\x9b") == "\\x9b"
    assert escaping.text("a\u202eb") == "a\\u202eb"
    assert escaping.markdown("@team") == "@&#8203;team"
    assert escaping.markdown_code("a`b", in_table=True) == "``a`b``"
    assert escaping.markdown_code("`x`", in_table=False) == "`` `x` ``"
    assert escaping.markdown_code("a|b", in_table=True) == "`a\\|b`"
    assert escaping.markdown_code("a|b", in_table=False) == "`a|b`"


def test_echo_cuts_a_value_to_80_characters() -> None:
    long = "x" * 500
    echoed = escaping.echo(long)
    assert echoed.startswith("'x") and echoed.endswith("…'")
    assert len(echoed) == escaping.ECHO_LIMIT  # the quotes included
    assert escaping.echo("a\nb") == "'a\\nb'"
    assert escaping.echo("##[error]x") == "'#\\x23[error]x'"


def test_every_format_character_is_escaped() -> None:
    # The hard-coded class of escaping must cover Unicode's Cf, Zl, Zp and Cs categories as
    # this Python knows them (a newer Unicode may add more: the class lists 15.1's).
    missing = [
        f"U+{code:04X}" for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in {"Cc", "Cf", "Zl", "Zp", "Cs"}
        and escaping.controls(chr(code)) == chr(code)
    ]
    assert missing == []


@settings(max_examples=300, deadline=None, database=None)
@given(TEXTS)
def test_any_text_is_safe_everywhere(value: str) -> None:
    check_text(escaping.text(value))
    check_markdown(_table(value))
    inline = escaping.markdown_code(value, in_table=False)
    check_markdown(f"- {escaping.markdown(value)} and {inline}")
    assert json.loads(escaping.json_dumps([value])) == [value]


@pytest.mark.parametrize(("name", "value"), ALL, ids=[name for name, _ in ALL])
def test_html_shows_the_same_characters_inside_a_summary(name: str, value: str) -> None:
    summary = f"<summary><code>x</code> {escaping.html(value)}</summary>"
    source = f"<details>{summary}\n\nbody\n\n</details>"
    html = check_markdown(source)
    summary = html.split("<summary>")[1].split("</summary>")[0]
    assert visible_text(summary) == "x " + escaping.controls(value), html


@settings(max_examples=300, deadline=None, database=None)
@given(TEXTS | st.sampled_from(["-->", "--!>", "<!--", "a -- b", "->", "<!-"]))
def test_html_comment_text_can_neither_end_nor_nest_the_comment(value: str) -> None:
    inside = escaping.html_comment(value)
    assert not [token for token in ("-->", "--!>", "<!--", "<", ">", "\n", "\r")
                if token in inside]
    comment = f"<!-- dynsec:drift:{inside} -->"
    rendered = render_markdown(comment + "\n\n**after**")
    assert rendered.startswith(comment + "\n")  # one HTML block, left as written
    assert "<strong>after</strong>" in rendered
