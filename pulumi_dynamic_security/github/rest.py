"""The few GitHub REST calls the action makes (docs/github.md#the-github-api), over httpx.

The base URL is `GITHUB_API_URL` (GitHub Enterprise sets it; tests point it at a local
server): https, or http to this machine only, since the token goes with every request. The
token is a `Secret` and reaches nothing but the `Authorization` header. Lists are read page
by page through the `Link: <...>; rel="next"` header, on the same origin only (a `next` that
points elsewhere would carry the token there), never to a page already read (a loop), and
at most `MAX_PAGES` pages. Answers are read
within `MAX_ANSWER_BYTES` and parsed with the bounded JSON reader. Every failure is one
`GitHubApiError` (exit 4): the call, GitHub's status and message (escaped, cut), what to do.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from pulumi_dynamic_security import bounded_json
from pulumi_dynamic_security._version import __version__
from pulumi_dynamic_security.api.config import is_loopback_host
from pulumi_dynamic_security.api.transport import AnswerTooLarge, read_answer
from pulumi_dynamic_security.errors import DynsecError, InputError
from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.exit_codes import ExitCode
from pulumi_dynamic_security.redaction import Secret

DEFAULT_API_URL = "https://api.github.com"
PAGE_SIZE = 100
MAX_PAGES = 50  # 5,000 comments or issues: far past any pull request a person reads
MAX_ANSWER_BYTES = 16 * 1024 * 1024
TIMEOUT_SECONDS = 30.0
RETRIED = frozenset({502, 503, 504})  # GitHub's own "try again"; nothing else is retried
RETRY_DELAY_SECONDS = 2.0

_HINTS = {
    401: "The github-token is not valid (expired or revoked).",
    403: "The token may not do this: give the job `pull-requests: write` (the comment) or "
         "`issues: write` (the drift issue); a pull request from a fork only gets a read-only "
         "token. A rate limit also answers 403: wait and re-run.",
    404: "The repository, pull request or issue was not found, or the token cannot see it.",
    410: "Issues are turned off in this repository.",
    422: "GitHub refused the request as invalid.",
}


class GitHubApiError(DynsecError):
    """A GitHub API call failed (exit 4, as a Dynamic API failure does)."""

    exit_code = ExitCode.API_FAILURE


def check_github_url(url: str) -> str:
    """`url` without a trailing slash, when it is https or http to a loopback host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname or "@" in parts.netloc \
            or parts.query or parts.fragment:
        raise InputError("GITHUB_API_URL is not an http(s) URL with a host and no user info, "
                         "query or fragment.", hint="Leave it as the runner sets it.")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InputError("GITHUB_API_URL is plain http to another machine: the token would "
                         "cross the network in clear.", hint="Use its https:// address.")
    return url.strip().rstrip("/")


class GitHubRest:
    """A client of one GitHub API base URL with one token."""

    def __init__(self, api_url: str, token: Secret, *,
                 transport: httpx.BaseTransport | None = None,
                 retry_delay: float = RETRY_DELAY_SECONDS):
        self.api_url = check_github_url(api_url)
        self._origin = urlsplit(self.api_url)[:2]
        self._retry_delay = retry_delay
        self._client = httpx.Client(
            base_url=self.api_url, transport=transport, timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
            headers={"Accept": "application/vnd.github+json",
                     "X-GitHub-Api-Version": "2022-11-28",
                     "User-Agent": f"pulumi-dynamic-security/{__version__} (github action)",
                     "Authorization": f"Bearer {token.reveal()}"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> GitHubRest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, path: str, *, body: Mapping[str, Any] | None = None,
             params: Mapping[str, str | int] | None = None, missing_ok: bool = False) -> Any:
        """The JSON answer of `method path`; None for 404 when `missing_ok`."""
        response = self._send(method, path, body=body, params=params)
        if missing_ok and response.status_code == 404:
            return None
        return self._json(method, path, response)

    def pages(self, path: str, params: Mapping[str, str | int] | None = None
              ) -> Iterator[dict[str, Any]]:
        """Every object of a list endpoint, page after page."""
        url: str = path
        query: Mapping[str, str | int] | None = {**(params or {}), "per_page": PAGE_SIZE}
        followed: set[str] = set()
        for _ in range(MAX_PAGES):
            response = self._send("GET", url, body=None, params=query)
            answer = self._json("GET", path, response)
            if not isinstance(answer, list):
                raise self._failure("GET", path, "answered something other than a list")
            yield from (item for item in answer if isinstance(item, dict))
            following = response.links.get("next", {}).get("url")
            if not following:
                return
            if urlsplit(following)[:2] != self._origin:
                raise self._failure("GET", path, "pointed its next page at another host")
            if following in followed:
                raise self._failure("GET", path, "pointed its next page at a page it had "
                                    "already given", hint="Re-run the job later.")
            followed.add(following)
            url, query = following, None
        raise self._failure("GET", path, f"has more than {MAX_PAGES} pages of {PAGE_SIZE}")

    # --- the wire ------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, body: Mapping[str, Any] | None,
              params: Mapping[str, str | int] | None) -> httpx.Response:
        shown = urlsplit(url).path if "://" in url else url
        for attempt in range(2):
            try:
                request = self._client.build_request(method, url, json=body, params=params)
                response = read_answer(self._client.send(request, stream=True),
                                       MAX_ANSWER_BYTES)
            except AnswerTooLarge:
                raise self._failure(method, shown, "answered more than 16 MiB") from None
            except httpx.HTTPError as error:
                if attempt == 0:
                    time.sleep(self._retry_delay)
                    continue
                raise self._failure(method, shown, f"could not be sent "
                                    f"({type(error).__name__})",
                                    hint="Check the runner's network and re-run.") from None
            if response.status_code in RETRIED and attempt == 0:
                time.sleep(self._retry_delay)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _json(self, method: str, path: str, response: httpx.Response) -> Any:
        status = response.status_code
        try:
            answer = bounded_json.loads(response.content) if response.content else None
        except ValueError:
            answer = None
            if status < 400:
                raise self._failure(method, path, f"answered {status} with a body that is not "
                                    "JSON") from None
        if status >= 400:
            said = answer.get("message") if isinstance(answer, dict) else None
            words = f" ({echo(said)})" if isinstance(said, str) and said else ""
            hint = _HINTS.get(status, "GitHub failed; re-run the job later."
                              if status >= 500 else None)
            raise self._failure(method, path, f"answered {status}{words}", hint=hint)
        return answer

    @staticmethod
    def _failure(method: str, path: str, what: str, *, hint: str | None = None
                 ) -> GitHubApiError:
        return GitHubApiError(f"GitHub API: {method} {path} {what}.", hint=hint)
