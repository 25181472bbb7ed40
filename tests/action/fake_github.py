"""A local stand-in for the GitHub REST endpoints the action calls, over real HTTP.

Issue comments (list with `Link` pagination, create, update), issues (list by label and
state, create, edit, close), labels (get, create). Every request is logged as
`(method, path, status)`; `fail` makes one route answer an error; `page_size` caps pages
so that pagination shows with a handful of comments. Only `Bearer <token>` is let in.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "ghs_fake-token-0123456789abcdef"
BOT = {"login": "github-actions[bot]", "type": "Bot"}
PERSON = {"login": "octocat", "type": "User"}


@dataclass
class State:
    repo: str = "acme/infra"
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    labels: set[str] = field(default_factory=set)
    log: list[tuple[str, str, int]] = field(default_factory=list)
    journal: list[str] = field(default_factory=list)  # every request, never cleared
    fail: dict[tuple[str, str], int] = field(default_factory=dict)  # (method, path regex)
    page_size: int = 100
    next_id: int = 1000
    next_number: int = 1
    base_url: str = ""

    def add_comment(self, issue: int, body: str, user: dict[str, str] = BOT) -> int:
        self.next_id += 1
        self.comments[self.next_id] = {"id": self.next_id, "issue": issue, "body": body,
                                       "user": dict(user),
                                       "html_url": f"https://github.test/c/{self.next_id}"}
        return self.next_id

    def add_issue(self, title: str, body: str, labels: list[str], *,
                  pull_request: bool = False, state: str = "open") -> int:
        number = self.next_number
        self.next_number += 1
        issue = {"number": number, "title": title, "body": body, "state": state,
                 "labels": [{"name": name} for name in labels], "user": dict(BOT),
                 "html_url": f"https://github.test/i/{number}"}
        if pull_request:
            issue["pull_request"] = {"url": "https://github.test/pr"}
        self.issues[number] = issue
        return number

    def writes(self) -> list[tuple[str, str, int]]:
        return [entry for entry in self.log if entry[0] != "GET"]


def _page(items: list[dict[str, Any]], query: dict[str, list[str]], state: State, path: str
          ) -> tuple[list[dict[str, Any]], str | None]:
    size = min(int(query.get("per_page", ["30"])[0]), state.page_size)
    page = int(query.get("page", ["1"])[0])
    chunk = items[(page - 1) * size: page * size]
    if page * size >= len(items):
        return chunk, None
    rest = {k: v[0] for k, v in query.items() if k != "page"}
    params = "&".join(f"{k}={v}" for k, v in rest.items())
    return chunk, f'<{state.base_url}{path}?{params}&page={page + 1}>; rel="next"'


class Handler(BaseHTTPRequestHandler):
    state: State  # set on the subclass the server is made with

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, body: Any, link: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if link:
            self.send_header("Link", link)
        self.end_headers()
        self.wfile.write(data)
        self.state.log.append((self.command, urlsplit(self.path).path, status))
        self.state.journal.append(f"{self.command} {self.path} -> {status}")

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length", "0"))
        data = json.loads(self.rfile.read(length) or b"{}")
        assert isinstance(data, dict)
        return data

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def do_PATCH(self) -> None:
        self._route()

    def _route(self) -> None:
        state = self.state
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._answer(401, {"message": "Bad credentials"})
        for (method, pattern), status in state.fail.items():
            if method == self.command and re.fullmatch(pattern, path):
                return self._answer(status, {"message": "Resource not accessible by "
                                             "integration"})
        prefix = f"/repos/{state.repo}"
        route = path[len(prefix):] if path.startswith(prefix + "/") else ""
        for handler in (self._comments, self._issues, self._labels):
            if handler(route, path, query):
                return None
        return self._answer(404, {"message": "Not Found"})

    def _comments(self, route: str, path: str, query: dict[str, list[str]]) -> bool:
        state = self.state
        if m := re.fullmatch(r"/issues/(\d+)/comments", route):
            issue = int(m.group(1))
            if self.command == "GET":
                items = [c for c in state.comments.values() if c["issue"] == issue]
                chunk, link = _page(items, query, state, path)
                self._answer(200, chunk, link)
            else:
                comment_id = state.add_comment(issue, self._body()["body"])
                self._answer(201, state.comments[comment_id])
            return True
        if (m := re.fullmatch(r"/issues/comments/(\d+)", route)) and self.command == "PATCH":
            comment = state.comments.get(int(m.group(1)))
            if comment is None:
                return False
            comment["body"] = self._body()["body"]
            self._answer(200, comment)
            return True
        return False

    def _issues(self, route: str, path: str, query: dict[str, list[str]]) -> bool:
        state = self.state
        if route == "/issues" and self.command == "GET":
            label, wanted = query.get("labels", [""])[0], query.get("state", ["open"])[0]
            items = [i for i in state.issues.values() if i["state"] == wanted
                     and (not label or label in {x["name"] for x in i["labels"]})]
            chunk, link = _page(items, query, state, path)
            self._answer(200, chunk, link)
            return True
        if route == "/issues":
            body = self._body()
            unknown = set(body.get("labels", [])) - state.labels
            if unknown:  # a strict stand-in: the label must exist first
                self._answer(422, {"message": f"label {sorted(unknown)} missing"})
            else:
                number = state.add_issue(body["title"], body["body"], body.get("labels", []))
                self._answer(201, state.issues[number])
            return True
        if (m := re.fullmatch(r"/issues/(\d+)", route)) and self.command == "PATCH":
            issue = state.issues.get(int(m.group(1)))
            if issue is None:
                return False
            issue.update(self._body())
            self._answer(200, issue)
            return True
        return False

    def _labels(self, route: str, path: str, query: dict[str, list[str]]) -> bool:
        state = self.state
        if (m := re.fullmatch(r"/labels/([^/]+)", route)) and m.group(1) in state.labels:
            self._answer(200, {"name": m.group(1)})
            return True
        if route == "/labels" and self.command == "POST":
            name = self._body()["name"]
            state.labels.add(name)
            self._answer(201, {"name": name})
            return True
        return False


@contextmanager
def fake_github() -> Iterator[State]:
    """A running fake; its `State` (with `base_url`) to seed and inspect."""
    state = State()
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
