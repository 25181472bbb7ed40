"""The drift comment as GitHub renders it (cmark-gfm with GitHub's extensions): the hidden
marker, stage sections folding into `<details>` past the first few, the cut at a stage
boundary under GitHub's 65,536-character limit, and `--link-base` links to policy lines."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from pulumi_dynamic_security.cli.render.markdown import OPEN_SECTIONS
from pulumi_dynamic_security.emulator.seeds import ORGANIZATION_ID
from tests.security.hostile import check_markdown, render_markdown
from tests.support.cli import Cli
from tests.support.clients import make_client
from tests.support.ids import LIVE, SANDBOX, SECOND_SANDBOX

GITHUB_LIMIT = 65_536


def many_stages(cli: Cli, projects: int) -> str:
    """A policy over `projects` new projects (two environments each), every stage drifted:
    new environments have no origin, so each stage adds one, and each live one is exposed
    (DS101: no origin means every domain)."""
    with make_client(cli.emulator) as admin:
        environments = [
            (env.id, env.environment_name == "live")
            for i in range(projects)
            for env in admin.create_project(ORGANIZATION_ID, f"app {i}").project_environments
            if env.id is not None
        ]
    stages = "".join(
        f"  s{i:03d}:\n    environment_id: {env}\n    production: {'true' if live else 'false'}\n"
        f"    jwt_lifetime: 2h\n    allowed_origins: [https://s{i:03d}.example.com]\n"
        for i, (env, live) in enumerate(environments)
    )
    return cli.write(f"version: 1\nstages:\n{stages}").name


class _Blocks(HTMLParser):
    """Top-level `<h3>` headings and `<details>` summaries, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[tuple[str, str]] = []
        self._in: str | None = None
        self._text = ""
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "details":
            self.depth += 1
        if tag in ("h3", "summary"):
            self._in, self._text = tag, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self.depth -= 1
        if tag == self._in:
            self.blocks.append((tag, self._text))
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data


@pytest.mark.slow
def test_a_200_stage_drift_is_cut_at_a_stage_boundary_under_githubs_limit(cli: Cli) -> None:
    policy = many_stages(cli, 100)

    result = cli("drift", policy, "--format", "markdown")

    comment = result.out
    assert result.code == 2
    assert len(comment) < GITHUB_LIMIT and len(comment) <= 60_000
    lines = comment.splitlines()
    assert lines[0] == "<!-- dynsec:drift:dynamic-security.yaml -->"
    verdict = lines[1]
    assert verdict.startswith("**dynsec drift**: 🔴 `s001` is exposed now: 1 error live (DS101)")
    assert "🔴 97 more stages exposed now: " in verdict and " and 87 more" in verdict
    cut = lines[-1]
    shown = [b for b in _parsed(comment).blocks if b[0] == "h3" or b[1].startswith("🔴")]
    match = re.fullmatch(
        r"✂️ \*\*This comment stops at 60,000 characters\*\*: (\d+) of 200 stage sections left "
        r"out(?: and (\d+) stages left out of the table)?\. The full report: run `dynsec drift "
        r"dynamic-security\.yaml --format json` \(or read the JSON artifact of this job\)\.",
        cut)
    assert match, cut
    left_out, unlisted = int(match.group(1)), int(match.group(2) or 0)
    assert left_out > 100
    assert left_out + len(shown) == 200  # nothing half-shown: the cut is between sections
    rows = [line for line in lines if line.startswith("| `s")]
    assert unlisted + len(rows) == 200
    assert comment.count("<details>") == comment.count("</details>")
    check_markdown(comment)  # every table keeps its columns, nothing but dynsec's own markup


@pytest.mark.slow
def test_sections_past_the_first_few_fold_exposed_first(cli: Cli) -> None:
    policy = many_stages(cli, 3)  # 6 stages: 3 live (exposed), 3 sandbox

    comment = cli("drift", policy, "--format", "markdown").out

    blocks = _parsed(comment)
    sections = [b for b in blocks.blocks if b[0] == "h3" or "—" in b[1]]
    assert [tag for tag, _ in sections] == ["h3"] * OPEN_SECTIONS + ["summary"] * 3
    exposed = [text.startswith("🔴") for _, text in sections]
    assert exposed == [True, True, True, False, False, False]  # exposed stages first
    assert sections[0][1] == "🔴 s001 — exposed now: 1 error live · 1 change: live is weaker in 1"
    assert sections[3][1] == "s000 — 1 change: live is weaker in 1"
    html = render_markdown(comment)
    assert "<details><summary><code>s000</code> — 1 change: live is weaker in 1</summary>" in html
    assert blocks.depth == 0


def _parsed(comment: str) -> _Blocks:
    parser = _Blocks()
    parser.feed(render_markdown(comment))
    parser.close()
    return parser


# A policy whose findings carry file:line: a waived wildcard in dev, no api_tokens in prod.
LINKED = f"""\
version: 1
stages:
  dev:
    environment_id: {SANDBOX}
    allowed_origins: ["https://*.preview.example.com"]
  production:
    environment_id: {LIVE}
    allowed_origins: [https://app.example.com]
waivers:
  - rule: DS102
    stages: [dev]
    reason: previews
    expires: "{{{{today+30}}}}"
"""


def test_link_base_turns_each_file_line_into_a_link(cli: Cli) -> None:
    cli.write(LINKED, "policies/dynamic-security.yaml")
    base = "https://github.com/acme/infra/blob/0123abc/"

    comment = cli("drift", "policies/dynamic-security.yaml", "--format", "markdown",
                  "--link-base", base).out

    html = render_markdown(comment)
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)
    located = [(href, text) for href, text in links if "github.com" in href]
    assert (f"{base}policies/dynamic-security.yaml#L5", "policies/dynamic-security.yaml:5") \
        in located  # the waived wildcard of dev
    assert (f"{base}policies/dynamic-security.yaml#L6", "policies/dynamic-security.yaml:6") \
        in located  # DS501 on production's stage line
    assert all(href.startswith(base) for href, _ in located)
    plain = cli("drift", "policies/dynamic-security.yaml", "--format", "markdown").out
    assert "github.com" not in plain and "(policies/dynamic-security.yaml:5)" in plain


def test_a_link_base_is_escaped_so_it_cannot_end_the_link(cli: Cli) -> None:
    cli.write(LINKED)

    comment = cli("drift", "dynamic-security.yaml", "--format", "markdown", "--link-base",
                  "https://example.com/a)b<c>/").out

    hrefs = re.findall(r'<a href="([^"]+)"', render_markdown(comment))
    assert "https://example.com/a%29b%3Cc%3E/dynamic-security.yaml#L5" in hrefs


@pytest.mark.parametrize("url", [
    "http://github.com/acme/infra/blob/main/",  # not https
    "javascript:alert(1)//",
    "https://user:hunter2@github.com/acme/",  # user info: never echoed
    "https:///no-host/",
    "https://github.com/a b/",
    "https://github.com/acme/?q=1",
    "https://github.com/acme/#frag",
    "https://github.com:99999/",
])
def test_a_link_base_that_is_not_a_plain_https_url_is_exit_3(cli: Cli, url: str) -> None:
    cli.write(LINKED)

    result = cli("drift", "dynamic-security.yaml", "--format", "markdown", "--link-base", url)

    assert result.code == 3
    assert result.out == ""
    assert "--link-base" in result.err and "https://" in result.err
    assert "hunter2" not in result.err
    assert cli.log() == []


def test_the_marker_holds_the_policy_path_and_cannot_close_the_comment(cli: Cli) -> None:
    name = "a --><img src=x onerror=alert(1)>--!> <!-- & b.yaml"
    cli.write(LINKED, name)

    comment = cli("drift", name, "--format", "markdown").out

    marker = comment.splitlines()[0]
    assert marker == ("<!-- dynsec:drift:a --&gt;&lt;img src=x onerror=alert(1)&gt;--!&gt; "
                      "&lt;!-- &amp; b.yaml -->")
    assert marker.count("-->") == 1 and marker.endswith(" -->")
    html = render_markdown(comment)
    assert html.startswith(marker + "\n")  # one HTML comment, nothing rendered from it
    assert "<img" not in html
    check_markdown(comment)


def test_max_chars_is_at_least_2000(cli: Cli) -> None:
    cli.write(LINKED)

    result = cli("drift", "dynamic-security.yaml", "--format", "markdown", "--max-chars", "10")

    assert result.code == 3 and "--max-chars" in result.err


@pytest.mark.slow
def test_a_smaller_max_chars_cuts_sooner_and_the_cut_line_says_so(cli: Cli) -> None:
    policy = many_stages(cli, 5)

    comment = cli("drift", policy, "--format", "markdown", "--max-chars", "6000").out

    assert len(comment) <= 6000
    assert comment.splitlines()[-1].startswith("✂️ **This comment stops at 6,000 characters**")
    assert comment.count("<details>") == comment.count("</details>")
    # At the smallest size even the overview table is cut, between two rows.
    tiny = cli("drift", policy, "--format", "markdown", "--max-chars", "2000").out
    assert len(tiny) <= 2000
    rows = [line for line in tiny.splitlines() if line.startswith("| `s")]
    assert 0 < len(rows) < 10
    assert f"| … | | {10 - len(rows)} more stages: see the full report | | |" in tiny
    assert (f"10 of 10 stage sections left out and {10 - len(rows)} stages left out of the "
            "table") in tiny.splitlines()[-1]
    check_markdown(tiny)


@pytest.mark.slow
def test_a_long_policy_path_still_keeps_the_comment_under_max_chars(cli: Cli) -> None:
    # The path stands in the marker and again in the cut line, which must still fit.
    deep = cli.directory / "/".join(["d" * 200] * 9) / "p.yaml"
    deep.parent.mkdir(parents=True)
    deep.write_text((cli.directory / many_stages(cli, 5)).read_text(encoding="utf-8"),
                    encoding="utf-8")
    policy = str(deep.relative_to(cli.directory))

    for limit in (9000, 13000):  # both went over before the cut line was measured
        comment = cli("drift", policy, "--format", "markdown", "--max-chars", str(limit)).out
        assert len(comment) <= limit
        assert comment.splitlines()[-1].startswith(f"✂️ **This comment stops at {limit:,}")


def test_a_few_stages_fit_whole_without_a_cut_line(cli: Cli) -> None:
    cli.write(LINKED.replace("  production:", f"  staging:\n    environment_id: "
                                               f"{SECOND_SANDBOX}\n  production:"))

    comment = cli("drift", "dynamic-security.yaml", "--format", "markdown").out

    assert "✂️" not in comment
    assert "<details><summary>" not in comment.replace(
        "<details><summary>1 waived finding</summary>", "")
