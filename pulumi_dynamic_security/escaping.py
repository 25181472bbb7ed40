"""Untrusted text, made safe for each place it is shown: one function per kind of output.

Strings that come from the API (token notes and ids, origins as read live, the environment's
kind, error bodies) or from free text in a policy (waiver reasons) are untrusted: whoever can
set a token note or open a pull request chooses them. Every renderer passes them through
here, never straight into its output.

* `text` (terminal, CI log): control characters (C0, DEL, C1, which includes ESC) become
  `\\xNN`; format characters (bidi overrides, zero-width characters), line and paragraph
  separators and lone surrogates become `\\uXXXX`. So a value is always one line, cannot
  move the cursor or recolour the screen, cannot reorder what is shown around it, and
  cannot begin a line of its own. GitHub's runner reads a workflow command from a line that
  starts with `::` once leading blanks are trimmed, and the older `##[command]` form anywhere
  in a line: a value that would start with `::` has its first colon written `\\x3a`, and
  `##[` is written `#\\x23[`.
* `markdown` (running text of a pull-request comment, table cells included): the same
  characters escaped, then HTML (`<`, `>`, `&`) as entities and the markdown punctuation that
  can do something inline (`\\`, backtick, `*`, `_`, `~`, `[`, `]`, `|`, `#`, `$`) with a
  backslash; `://` and `www.` are broken so no link forms (GitHub's extended autolinks), and
  `@` and `#<digit>` get a zero-width space after them (written `&#8203;`) so GitHub links no
  mention, e-mail address or issue. GitHub finds mentions in the rendered text, after entities
  and backslash escapes are undone, so only a character between `@` and the name breaks one;
  the zero-width space is invisible there, and written as an entity it is visible in the
  comment's source. The output is meant for inline positions (a table cell, after a list
  marker), never the start of a line.
* `markdown_code`: a code span, where nothing is interpreted: the fence is one backtick
  longer than the longest run inside, padded when the value starts or ends with a backtick,
  and inside a table `|` is written `\\|` (GitHub splits cells before it reads code spans,
  and shows `\\|` as `|` there). Control characters are escaped as for `text`.
* `html` (inside raw HTML of a pull-request comment, e.g. a `<details>` summary, where
  markdown is not read): the same characters escaped, then `&`, `<`, `>`, `"` and `'` as
  entities, `##[` as `#&#35;[`, and `@` and `#<digit>` followed by a zero-width space, as
  for `markdown`.
* `html_comment` (the text of an HTML comment, e.g. the marker that lets a bot find its
  comment again): the same characters escaped, `&`, `<` and `>` as entities and `##[` as
  `#&#35;[`, so the value can neither end the comment (`-->`, `--!>`) nor open another
  (`<!--`).
* `json_dumps` (JSON and SARIF): the document as JSON, with every character `text` escapes
  (and `#` of `##[`) written as a `\\uXXXX` escape: parsing it gives back the exact string.
* `echo`: a value quoted in an error message, cut to `ECHO_LIMIT` characters.
"""

from __future__ import annotations

import json
import re
from typing import Any

ECHO_LIMIT = 80  # characters of a value an error message may echo
ELLIPSIS = "…"

# Format characters (Unicode category Cf, as of Unicode 15.1), line and paragraph separators
# and surrogates: invisible, or able to reorder or break the text around them.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\u2028\u2029\ud800-\udfff"
)
_CONTROL = "\x00-\x1f\x7f-\x9f"
_UNSAFE = re.compile(f"[{_CONTROL}{_FORMAT}]")
# What JSON itself leaves raw with ensure_ascii=False (it escapes C0, `"` and `\` already).
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_FORMAT}]|##\\[")
_WORKFLOW_V1 = "##["  # GitHub's older workflow command form, recognised anywhere in a line
_WORKFLOW_V2 = "::"  # the current form, recognised at the start of a line

_MARKDOWN_PUNCTUATION = {c: "\\" + c for c in "\\`*_~[]|#$"}
_MARKDOWN_PUNCTUATION.update({"<": "&lt;", ">": "&gt;", "&": "&amp;"})
_ZWSP = "&#8203;"
_MARKDOWN_SPECIAL = re.compile(r"://|(?i:www)\.|@|#(?=[0-9])|[\\`*_~\[\]|#$<>&]")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def controls(value: object) -> str:
    """`value` as a string with every control and format character written as an escape."""
    return _UNSAFE.sub(_escape_char, str(value))


def text(value: object) -> str:
    """`value` for a terminal or a CI log: one line that cannot forge a workflow command."""
    escaped = controls(value).replace(_WORKFLOW_V1, "#\\x23[")
    stripped = escaped.lstrip()
    if stripped.startswith(_WORKFLOW_V2):
        blanks = len(escaped) - len(stripped)
        escaped = escaped[:blanks] + "\\x3a" + escaped[blanks + 1:]
    return escaped


def _markdown_token(match: re.Match[str]) -> str:
    token = match.group()
    if token == "://":
        return "\\://"
    if token[-1] == "." and len(token) == 4:  # www.
        return token[:3] + "\\."
    if token == "@":
        return "@" + _ZWSP
    if token == "#" and match.end() < len(match.string) and match.string[match.end()].isdigit():
        return "\\#" + _ZWSP
    return _MARKDOWN_PUNCTUATION[token]


def markdown(value: object) -> str:
    """`value` as inline markdown text that renders as exactly these characters."""
    return _MARKDOWN_SPECIAL.sub(_markdown_token, controls(value))


def backtick_fence(content: str, *, shortest: int = 1) -> str:
    """A run of backticks longer than any in `content` (and at least `shortest`), so a code
    span or block it opens cannot be closed from inside."""
    longest = max((len(run) for run in re.findall("`+", content)), default=0)
    return "`" * max(shortest, longest + 1)


def markdown_code(value: object, *, in_table: bool) -> str:
    """`value` as a markdown code span (`in_table`: inside a GitHub table cell)."""
    content = controls(value).replace(_WORKFLOW_V1, "#\\x23[")
    if not content:
        return "*(empty)*"
    if in_table:
        content = content.replace("|", "\\|")
    fence = backtick_fence(content)
    padded = (
        content.startswith("`") or content.endswith("`")
        or (content.startswith(" ") and content.endswith(" ") and content.strip() != "")
    )
    pad = " " if padded else ""
    return f"{fence}{pad}{content}{pad}{fence}"


_HTML_REPLACED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
                  "@": "@" + _ZWSP, _WORKFLOW_V1: "#&#35;["}
_HTML_SPECIAL = re.compile(r"##\[|#(?=[0-9])|[&<>\"'@]")
_COMMENT_SPECIAL = re.compile(r"##\[|[&<>]")


def _html_token(match: re.Match[str]) -> str:
    token = match.group()
    return "#" + _ZWSP if token == "#" else _HTML_REPLACED[token]


def html(value: object) -> str:
    """`value` as text inside raw HTML (an element's content or a quoted attribute)."""
    return _HTML_SPECIAL.sub(_html_token, controls(value))


def html_comment(value: object) -> str:
    """`value` as the text of an HTML comment, which it can neither end nor nest."""
    return _COMMENT_SPECIAL.sub(_html_token, controls(value))


def _json_escape(match: re.Match[str]) -> str:
    token = match.group()
    if token == _WORKFLOW_V1:
        return "#\\u0023["
    code = ord(token)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # outside the BMP: JSON spells it as a UTF-16 surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_dumps(document: Any, *, indent: int | None = 2) -> str:
    """`document` as JSON text (non-ASCII kept, except what `text` would escape, which is
    written as `\\uXXXX` so that parsing it gives the same strings back), no final newline."""
    # Every character replaced here can only stand inside a JSON string (the syntax is ASCII),
    # where an escape means the same character.
    return _JSON_UNSAFE.sub(_json_escape, json.dumps(document, indent=indent, ensure_ascii=False))


def clip(value: str, limit: int) -> str:
    """`value` cut to at most `limit` characters, the cut marked with an ellipsis."""
    return value if len(value) <= limit else value[: max(limit - 1, 0)] + ELLIPSIS


def echo(value: object, limit: int = ECHO_LIMIT) -> str:
    """`value` quoted for an error message, at most `limit` characters quotes included (a
    string as a quoted literal of its first characters, anything else as its `repr`), and
    escaped, so a hostile value can neither flood the message nor act on the terminal."""
    shown = repr(clip(value, limit - 2)) if isinstance(value, str) else clip(repr(value), limit)
    return text(shown)
