"""Every id reaches a URL as exactly one path segment (`routes.path_segment`), for every route.

Before this, the client percent-encoded `/` and nothing else, so an id `..` (from an edited
plan file, say) turned `DELETE /environments/<env>/tokens/..` into `DELETE /environments/<env>`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pulumi_dynamic_security.api import routes
from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.routes import Route, UnsafeIdError, path_segment
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.errors import InputError
from tests.support.ids import LIVE
from tests.support.log import statuses

ACCEPTED = [
    (LIVE, LIVE),
    ("0C000000-0000-4000-8000-000000000002", "0C000000-0000-4000-8000-000000000002"),
    ("abc", "abc"),
    ("a.b", "a.b"),
    ("...", "..."),  # not a dot segment: one segment named "..."
    ("a_b-c~d", "a_b-c~d"),
    ("x" * 128, "x" * 128),
]
REFUSED = [
    ("", "empty"),
    (".", "a dot segment"),
    ("..", "a dot segment"),
    ("/", "only letters"),
    ("../environments", "only letters"),
    ("a/b", "only letters"),
    ("a\\b", "only letters"),
    ("%2e%2e", "only letters"),
    ("%2E%2E", "only letters"),
    ("..%2f", "only letters"),
    ("%252e", "only letters"),
    ("a?b=c", "only letters"),
    ("a#b", "only letters"),
    ("a b", "only letters"),
    ("a;b", "only letters"),
    ("a\nb", "only letters"),
    ("a\x00b", "only letters"),
    ("\u2025", "only letters"),  # TWO DOT LEADER
    ("\uff0e\uff0e", "only letters"),  # FULLWIDTH FULL STOPs
    ("é", "only letters"),
    ("x" * 129, "longer than 128"),
    (None, "not a string"),
    (7, "not a string"),
    (b"..", "not a string"),
]


@pytest.mark.parametrize(("value", "segment"), ACCEPTED, ids=[v[:12] for v, _ in ACCEPTED])
def test_an_id_becomes_one_segment_unchanged(value: str, segment: str) -> None:
    assert path_segment(value) == segment


@pytest.mark.parametrize(("value", "reason"), REFUSED, ids=[repr(v)[:14] for v, _ in REFUSED])
def test_a_value_that_cannot_be_one_segment_is_refused(value: object, reason: str) -> None:
    with pytest.raises(UnsafeIdError) as caught:
        path_segment(value)
    assert reason in caught.value.reason
    assert isinstance(caught.value, InputError)  # exit 3: input, before any request
    assert len(str(caught.value).split("cannot be")[0]) < 120  # the value is cut to 80


def test_every_route_builds_its_path_through_path_segment() -> None:
    """Every route of the table refuses a dot segment in each of its parameters."""
    table = [value for value in vars(routes).values() if isinstance(value, Route)]
    assert len(table) >= 14
    for route in table:
        names = [part.split("}")[0] for part in route.template.split("{")[1:]]
        for name in names:
            params = {other: LIVE for other in names} | {name: ".."}
            with pytest.raises(UnsafeIdError, match=f"{route.method} .* the {name} '\\.\\.'"):
                route.path(**params)


CALLS: dict[str, Callable[[DynamicClient], object]] = {
    "delete-token-dot-dot": lambda c: c.delete_token(LIVE, "..", missing_ok=True),
    "delete-token-dot": lambda c: c.delete_token(LIVE, "."),
    "delete-origin-parent": lambda c: c.delete_origin("../environments/" + LIVE),
    "delete-origin-encoded-dots": lambda c: c.delete_origin("%2e%2e"),
    "get-environment-empty": lambda c: c.get_environment(""),
    "update-settings-dot-dot": lambda c: c.update_settings("..", {"security": {}}),
    "add-origin-slash": lambda c: c.add_origin(LIVE + "/..", "https://a.example.com"),
    "create-token-query": lambda c: c.create_token(LIVE + "?x=1", "n", []),
    "revoke-sessions-fragment": lambda c: c.revoke_user_sessions(LIVE, "u#x"),
    "delete-hostname-dot-dot": lambda c: c.delete_custom_hostname(LIVE, ".."),
    "project-dot-dot": lambda c: c.get_project(".."),
}


@pytest.mark.parametrize("call", list(CALLS.values()), ids=list(CALLS))
def test_the_client_refuses_a_bad_id_before_sending_anything(
    client: DynamicClient, emu: EmulatorHandle, call: Callable[[DynamicClient], object]
) -> None:
    with pytest.raises(UnsafeIdError, match="nothing was sent"):
        call(client)
    assert statuses(emu) == []
