"""Hostile text, and the checks every output must pass when it carries some.

`HOSTILE` is what someone who can set a token note, an origin Dynamic lists, or a waiver
reason in a pull request would write: HTML that closes our table and opens a heading,
mentions, images and links, backticks and pipes, a newline followed by a GitHub workflow
command, terminal escape sequences (ESC, 8-bit C1), bidi overrides, NUL and DEL. Each is at
most 100 characters (a token note's limit).

The checks, one per kind of output:

* `check_text`: no raw control or format character, no line that GitHub's runner would read
  as a workflow command (`::` at the start once blanks are trimmed, `##[` anywhere).
* `check_markdown`: rendered by cmark-gfm (GitHub's own markdown library, through
  `cmarkgfm`, with raw HTML let through so that any HTML we emit by mistake shows): only the
  elements dynsec itself writes, links only to the rule documentation, no image, no mention
  (GitHub links `@name` in rendered text outside code and links), every table row with its
  header's column count (counted in the source: cmark-gfm drops the cells past the header's
  count, so a value that adds some would silently lose its end); and the raw text passes
  `check_text` too (the comment is printed to the CI log before it is posted).
  `visible_text` is what a reader sees, for checks that a value shows as written.
* JSON and SARIF: the strings parse back exactly (the tests compare them).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options

from pulumi_dynamic_security.rules.catalog import RULES
from tests.support.ids import LIVE

# One production stage that no rule blocks: what the URL and answer tests plan.
PRODUCTION_POLICY = f"""\
version: 1
stages:
  production:
    environment_id: {LIVE}
    allowed_origins: [https://app.example.com]
"""

HOSTILE: dict[str, str] = {
    "html-table-break": "</td></tr></table><h1>LGTM, safe to merge</h1>",
    "html-script": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "html-details": "<details open><summary>ok</summary>hidden</details>",
    "mention": "ping @security-team and @acme/admins now",
    "email": "write to admin@evil.example",
    "image": "![x](http://evil.example/x.png)",
    "link": "[docs](https://evil.example/login) and https://evil.example",
    "www-link": "see www.evil.example today",
    "backticks": "a `code` and `` double `` and ``` three",
    "backtick-edges": "`starts and ends`",
    "pipes": "col | col || col \\| escaped",
    "emphasis": "**bold** _it_ ~~gone~~ $\\huge{LGTM}$",
    "issue-ref": "closes #1 and fixes #42",
    "entities": "&#60;h1&#62;hi&lt;/h1&gt; &amp;",
    "newline-command": "fine\n::error::forged annotation",
    "crlf-command": "fine\r\n::warning file=a,line=1::forged",
    "leading-command": "::error::forged at the start",
    "indented-command": "   ::notice::indented",
    "v1-command": "text ##[error]forged v1 command",
    "esc-sequences": "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x1b[2J cleared",
    "c1-controls": "\x9b31m csi \x85 next line \x9d osc",
    "bidi": "admin\u202egnp.exe\u202c \u2066isolate\u2069 \u200fmark",
    "nul-del": "nul\x00 del\x7f bell\x07 tab\tend",
    "zero-width": "pay\u200dpal \u200bzwsp \ufeffbom",
}

# What dynsec's own markdown is made of (tables, headings, lists, details, sub, emphasis).
_OWN_ELEMENTS = frozenset({
    "p", "table", "thead", "tbody", "tr", "th", "td", "code", "strong", "em", "a", "h3",
    "ul", "li", "details", "summary", "sub", "br",
})
_RULE_LINKS = frozenset(rule.doc_url for rule in RULES)
_MENTION = re.compile(r"(?:^|[^\w`])@[A-Za-z0-9]", re.MULTILINE)
_ISSUE = re.compile(r"(?:^|[^\w&])#[0-9]", re.MULTILINE)
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069"
                     "\u2028\u2029\ufeff]")


_CELL_BORDER = re.compile(r"(?<!\\)\|")  # how GitHub splits a row: a pipe not after `\`


def visible_text(html: str) -> str:
    """The text a reader of `html` sees (zero-width spaces dropped)."""
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", html)).replace("\u200b", "")


def _check_table_rows(source: str) -> None:
    header: int | None = None
    for line in source.split("\n"):
        if not line.startswith("|"):
            header = None
            continue
        cells = len(_CELL_BORDER.findall(line))
        if header is None:
            header = cells
        assert cells == header, f"a row with {cells - 1} cells under {header - 1}: {line!r}"


def check_text(output: str) -> None:
    """`output` (terminal or CI-log text) carries no raw control character (newlines apart)
    and no line a CI runner would take for a workflow command."""
    bad = _UNSAFE.findall(output)
    assert not bad, f"raw control characters {bad!r} in {output!r}"
    for line in output.split("\n"):
        assert not line.strip().startswith("::"), f"workflow command line: {line!r}"
        assert "##[" not in line, f"v1 workflow command in: {line!r}"


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []
        self.rows: list[tuple[int, int]] = []  # (cells, header cells of the table)
        self.header_cells = 0
        self.cells = 0
        self.in_head = False
        self.texts: list[str] = []  # text outside code and links

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag not in ("br", "img"):
            self.open.append(tag)
        if tag == "thead":
            self.in_head, self.header_cells = True, 0
        elif tag == "tr":
            self.cells = 0
        elif tag in ("td", "th"):
            self.cells += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            if self.in_head:
                self.header_cells = self.cells
            else:
                self.rows.append((self.cells, self.header_cells))
        elif tag == "thead":
            self.in_head = False
        if tag in self.open:
            while self.open and self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not {"code", "a", "pre"} & set(self.open):
            self.texts.append(data)


def render_markdown(source: str) -> str:
    """`source` as GitHub renders it (cmark-gfm with its extensions), raw HTML kept."""
    html: str = cmarkgfm.github_flavored_markdown_to_html(
        source, options=Options.CMARK_OPT_UNSAFE
    )
    return html


def check_markdown(source: str) -> str:
    """`source` (a PR comment) renders with nothing but dynsec's own structure; returns the
    HTML for further checks."""
    check_text(source)
    _check_table_rows(source)
    html = render_markdown(source)
    parser = _Html()
    parser.feed(html)
    parser.close()
    tags = {tag for tag, _ in parser.elements}
    assert tags <= _OWN_ELEMENTS, f"unexpected elements {tags - _OWN_ELEMENTS} in {html}"
    for tag, attrs in parser.elements:
        if tag == "a":
            assert attrs.get("href") in _RULE_LINKS, f"a link formed: {attrs} in {html}"
        assert not any(name.startswith("on") for name in attrs), f"handler in {attrs}"
    for cells, header in parser.rows:
        assert cells == header, f"a row of {cells} cells under {header} headers in {html}"
    text = "".join(parser.texts)
    assert not _MENTION.search(text), f"a mention GitHub would link: {text!r}"
    assert not _ISSUE.search(text), f"an issue reference GitHub would link: {text!r}"
    return html
