"""The GitHub client and the sticky comment in this process, against the fake API: pages,
a `next` link to another host, errors, the marker rule, bounded bodies, the token."""

from __future__ import annotations

import httpx
import pytest

from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.github.rest import GitHubApiError, GitHubRest, check_github_url
from pulumi_dynamic_security.github.sticky import (
    BODY_LIMIT,
    GITHUB_BODY_LIMIT,
    bounded,
    marker_of,
    upsert_comment,
)
from pulumi_dynamic_security.redaction import Secret
from tests.action.fake_github import TOKEN, State

MARKER = "<!-- dynsec:drift:dynamic-security.yaml -->"


def rest(github: State, token: str = TOKEN) -> GitHubRest:
    return GitHubRest(github.base_url, Secret(token), retry_delay=0)


def test_our_comment_is_found_on_a_later_page(github: State) -> None:
    github.page_size = 3
    for n in range(7):
        github.add_comment(7, f"comment {n}")
    ours = github.add_comment(7, MARKER + "\nold")

    done = upsert_comment(rest(github), "acme/infra", 7, MARKER + "\nnew")

    assert (done.action, done.target) == ("updated", ours)
    pages = [p for m, p, _ in github.log if m == "GET"]
    assert len(pages) == 3
    assert github.comments[ours]["body"] == MARKER + "\nnew"


def test_a_marker_that_is_not_the_first_line_is_not_ours(github: State) -> None:
    quoted = github.add_comment(7, f"see below\n{MARKER}\nquoted")
    lookalike = github.add_comment(7, MARKER.replace("drift", "drift ") + "\nx")

    done = upsert_comment(rest(github), "acme/infra", 7, MARKER + "\nreport")

    assert done.action == "created"
    assert github.comments[quoted]["body"] == f"see below\n{MARKER}\nquoted"
    assert github.comments[lookalike]["body"].endswith("\nx")


def test_a_body_without_a_marker_is_refused_before_any_call(github: State) -> None:
    with pytest.raises(InputError, match="does not start with a dynsec marker"):
        upsert_comment(rest(github), "acme/infra", 7, "**dynsec drift**: no marker")
    assert github.log == []


def test_a_next_page_on_another_host_is_not_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "api.github.test"
        return httpx.Response(200, json=[],
                              headers={"Link": '<https://evil.test/x?page=2>; rel="next"'})

    client = GitHubRest("https://api.github.test", Secret(TOKEN),
                        transport=httpx.MockTransport(handler))
    with pytest.raises(GitHubApiError, match="pointed its next page at another host"):
        list(client.pages("/repos/acme/infra/issues/7/comments"))


def test_a_503_is_tried_once_more_then_reported(github: State) -> None:
    github.fail[("GET", r".*/comments")] = 503
    with pytest.raises(GitHubApiError) as raised:
        upsert_comment(rest(github), "acme/infra", 7, MARKER + "\nx")
    assert len(github.log) == 2
    assert raised.value.render() == (
        "GitHub API: GET /repos/acme/infra/issues/7/comments answered 503 ('Resource not "
        "accessible by integration'). GitHub failed; re-run the job later.")
    assert raised.value.exit_code == 4


def test_an_unreachable_api_is_one_line(github: State) -> None:
    client = GitHubRest("http://127.0.0.1:9", Secret(TOKEN), retry_delay=0)
    with pytest.raises(GitHubApiError) as raised:
        client.call("GET", "/repos/acme/infra/labels/dynsec-drift")
    assert raised.value.render() == (
        "GitHub API: GET /repos/acme/infra/labels/dynsec-drift could not be sent "
        "(ConnectError). Check the runner's network and re-run.")


@pytest.mark.parametrize("url", ["http://api.github.test", "ftp://x", "https://u:p@host",
                                 "https://host/?q=1"])
def test_the_api_url_must_be_https_or_loopback(url: str) -> None:
    with pytest.raises(InputError) as raised:
        check_github_url(url)
    assert "u:p" not in raised.value.render()


def test_the_token_travels_only_in_the_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"message": "Not Found"})

    client = GitHubRest("https://api.github.test", Secret(TOKEN),
                        transport=httpx.MockTransport(handler))
    with pytest.raises(GitHubApiError) as raised:
        client.call("GET", "/repos/acme/infra/labels/x")
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(seen[0].url) and TOKEN not in raised.value.render()
    assert TOKEN not in repr(client.__dict__)


def test_a_long_body_is_cut_at_a_line_under_github_limit() -> None:
    body = MARKER + "\n" + "".join(f"| row {n} | {'x' * 80} |\n" for n in range(2000))

    cut = bounded(body)

    assert len(cut) <= GITHUB_BODY_LIMIT
    kept, note = cut.rsplit("\n\n", 1)
    assert body.startswith(kept + "\n") and len(kept) <= BODY_LIMIT
    assert note.startswith("✂️ This report was cut")
    assert marker_of(cut) == MARKER
    assert bounded(MARKER + "\nshort") == MARKER + "\nshort"


def test_a_next_link_back_to_a_page_already_read_stops_at_once() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(200, json=[{"id": 1, "body": "x", "user": {"type": "Bot"}}],
                              headers={"Link": '<https://api.github.test/repos/acme/infra/'
                                               'issues/7/comments?page=2>; rel="next"'})

    client = GitHubRest("https://api.github.test", Secret(TOKEN),
                        transport=httpx.MockTransport(handler))
    with pytest.raises(GitHubApiError, match="a page it had already given"):
        list(client.pages("/repos/acme/infra/issues/7/comments"))
    assert len(sent) == 2  # the first page, then page 2 once: not 50 requests


@pytest.mark.parametrize("answer", [b"", b"[]", b"null", b'"made"', b'{"id": true}'])
def test_a_create_answer_that_is_not_a_comment_is_one_clear_error(answer: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=[])
        return httpx.Response(201, content=answer)

    client = GitHubRest("https://api.github.test", Secret(TOKEN),
                        transport=httpx.MockTransport(handler))
    with pytest.raises(GitHubApiError, match="an answer has no numeric 'id'") as raised:
        upsert_comment(client, "acme/infra", 7, MARKER + "\nx")
    assert raised.value.exit_code == 4


def test_a_hostile_html_url_in_an_answer_cannot_forge_a_log_line(github: State) -> None:
    ours = github.add_comment(7, MARKER + "\nsame")
    github.comments[ours]["html_url"] = "https://github.test/c/1\n::error::forged\x1b[2J"

    done = upsert_comment(rest(github), "acme/infra", 7, MARKER + "\nsame")

    said = done.describe("comment")
    assert done.action == "unchanged"
    assert "\n" not in said and "\x1b" not in said
    assert said.startswith(f"comment {ours} unchanged (https://github.test/c/1")
