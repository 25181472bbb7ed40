"""A POST whose answer is lost never leaves a duplicate (docs/apply.md#converge).

`lost_response_rate` makes the emulator commit a write and answer 502, exactly a response
lost on the way back. The client must learn by listing whether the write landed.
"""

from __future__ import annotations

import json

import httpx
import pytest

from pulumi_dynamic_security.api import errors
from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.api.support import ClientFactory, Tap
from tests.support.ids import LIVE, SANDBOX
from tests.support.log import statuses

pytestmark = pytest.mark.slow

NEW_ORIGIN = "https://new.example.com"
NOTE = "dynsec:ci-deployer:20260101T000000Z"
SCOPES = ["environment.settings.read"]


def lose_first_post(emu: EmulatorHandle) -> Tap:
    """Lost responses for the first POST only: the emulator heals once it has answered it."""

    def hook(request: httpx.Request, response: httpx.Response) -> None:
        if request.method == "POST":
            emu.set_faults(lost_response_rate=0)

    emu.set_faults(lost_response_rate=1.0)
    return Tap(hook)


def test_an_origin_whose_answer_was_lost_is_found_not_added_twice(
    client: DynamicClient, emu: EmulatorHandle
) -> None:
    emu.set_faults(lost_response_rate=1.0)
    origin = client.add_origin(LIVE, NEW_ORIGIN)
    assert origin.origin == NEW_ORIGIN
    emu.set_faults(lost_response_rate=0)
    assert [o.origin for o in client.list_origins(LIVE)].count(NEW_ORIGIN) == 1
    assert [o.id for o in client.list_origins(LIVE) if o.origin == NEW_ORIGIN] == [origin.id]
    # One POST (committed, answered 502), then one listing that found it.
    assert statuses(emu) == [
        ("POST", f"/environments/{LIVE}/origins", 502),
        ("GET", f"/environments/{LIVE}/origins", 200),
        ("GET", f"/environments/{LIVE}/origins", 200),
        ("GET", f"/environments/{LIVE}/origins", 200),
    ]


def test_an_origin_post_that_did_not_land_is_sent_again(
    make_client: ClientFactory, emu: EmulatorHandle
) -> None:
    emu.set_faults(fail_writes_after=0)  # 503 without committing

    def heal(request: httpx.Request, response: httpx.Response) -> None:
        if request.method == "POST":
            emu.set_faults(fail_writes_after=None)

    client = make_client(transport=Tap(heal))
    origin = client.add_origin(LIVE, NEW_ORIGIN)
    assert origin.origin == NEW_ORIGIN
    assert [s for _, _, s in statuses(emu)] == [503, 200, 201]


def test_duplicate_exists_on_a_retry_is_our_own_earlier_write(
    make_client: ClientFactory, emu: EmulatorHandle
) -> None:
    # A lagging listing (a read replica behind the primary, as a real deployment can have)
    # misses the origin the lost POST committed; the retried POST then meets 422
    # duplicate_exists, which on a retry means "ours landed".
    lagged = False

    def hook(request: httpx.Request, response: httpx.Response) -> httpx.Response | None:
        nonlocal lagged
        if request.method == "POST":
            emu.set_faults(lost_response_rate=0)
        if request.method == "GET" and not lagged:
            lagged = True
            body = response.json()
            body["origins"] = [o for o in body["origins"] if o["origin"] != NEW_ORIGIN]
            return httpx.Response(200, json=body)
        return None

    emu.set_faults(lost_response_rate=1.0)
    client = make_client(transport=Tap(hook))
    origin = client.add_origin(LIVE, NEW_ORIGIN)
    assert origin.origin == NEW_ORIGIN
    assert [s for _, _, s in statuses(emu)] == [502, 200, 422, 200]
    assert [o.origin for o in client.list_origins(LIVE)].count(NEW_ORIGIN) == 1


def test_a_token_whose_answer_was_lost_is_revoked_and_issued_again(
    make_client: ClientFactory, emu: EmulatorHandle
) -> None:
    client = make_client(transport=lose_first_post(emu))
    token = client.create_token(SANDBOX, NOTE, SCOPES)
    assert statuses(emu) == [
        ("POST", f"/environments/{SANDBOX}/tokens", 502),  # committed, answer lost
        ("GET", f"/environments/{SANDBOX}/tokens", 200),
        ("DELETE", f"/environments/{SANDBOX}/tokens/{_first_token_id(emu)}", 204),
        ("POST", f"/environments/{SANDBOX}/tokens", 201),
    ]
    [listed] = client.list_tokens(SANDBOX)
    assert (listed.id, listed.note) == (token.id, NOTE)
    # The raw value delivered is the live one.
    assert make_client(token=token.raw_token.reveal()).get_environment(SANDBOX).id == SANDBOX


def test_tokens_lost_on_every_attempt_leave_nothing_behind(
    make_client: ClientFactory, emu: EmulatorHandle
) -> None:
    losing = True

    def lose_every_post(request: httpx.Request) -> None:
        emu.set_faults(lost_response_rate=1.0 if losing and request.method == "POST" else 0)

    client = make_client(transport=Tap(before=lose_every_post))
    with pytest.raises(errors.ServerError) as caught:
        client.create_token(SANDBOX, NOTE, SCOPES)
    assert caught.value.outcome_unknown and caught.value.status == 502
    assert "may or may not have been applied" in str(caught.value)
    # Every token issued without its raw value reaching us was revoked again.
    assert client.list_tokens(SANDBOX) == []
    assert [s for m, _, s in statuses(emu) if m == "POST"] == [502, 502, 502]
    assert [s for m, _, s in statuses(emu) if m == "DELETE"] == [204, 204, 204]

    losing = False
    token = client.create_token(SANDBOX, NOTE, SCOPES)
    assert [t.id for t in client.list_tokens(SANDBOX)] == [token.id]


def test_the_token_in_use_is_never_revoked_while_reconciling(
    make_client: ClientFactory, emu: EmulatorHandle
) -> None:
    # The caller's own token carries the note being issued (a caller bug): it must survive.
    own = emu.plant_token(SANDBOX, NOTE, ["environment.apiTokens.read",
                                          "environment.apiTokens.write"])["token"]
    client = make_client(token=own["rawToken"], transport=lose_first_post(emu))
    issued = client.create_token(SANDBOX, NOTE, SCOPES)
    assert own["id"] in {t.id for t in client.list_tokens(SANDBOX)}
    assert issued.id in {t.id for t in client.list_tokens(SANDBOX)}


def test_a_custom_hostname_whose_answer_was_lost_is_found(
    client: DynamicClient, emu: EmulatorHandle
) -> None:
    emu.set_faults(lost_response_rate=1.0)
    created = client.create_custom_hostname(SANDBOX, "login.example.org", "cookies")
    emu.set_faults(lost_response_rate=0)
    assert [h.id for h in client.list_custom_hostnames(SANDBOX)] == [created.id]


def test_a_delete_whose_answer_was_lost_counts_as_done(
    make_client: ClientFactory, emu: EmulatorHandle
) -> None:
    def heal(request: httpx.Request, response: httpx.Response) -> None:
        emu.set_faults(lost_response_rate=0)

    client = make_client(transport=Tap(heal))
    [origin, *_] = client.list_origins(LIVE)
    emu.set_faults(lost_response_rate=1.0)
    client.delete_origin(origin.id)  # committed, answered 502; the retry finds it gone
    assert origin.id not in {o.id for o in client.list_origins(LIVE)}
    assert [s for _, _, s in statuses(emu, "DELETE")] == [502, 404]


def _first_token_id(emu: EmulatorHandle) -> str:
    deletes = [r["path"] for r in emu.requests() if r["method"] == "DELETE"]
    assert deletes, json.dumps(emu.requests())
    return str(deletes[0]).rsplit("/", 1)[-1]
