"""Random edits of a real plan file: apply either refuses with no write at all, or makes
exactly the writes of the untouched plan (an edit of something never read, such as the
findings, or of a time a rotation forecasts). No edit makes apply write anything else.

The same plan as tests/security/test_saved_plans.py (every kind of change); each example
resets the emulator, plans, edits the file with one to three random edits, and applies.
Bounded for CI: 60 examples, a few seconds.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.test_saved_plans import APPLY, POLICY, REVOKE, ROTATE, Case, make_plan
from tests.security.test_saved_plans import writes_of_the_plan as untouched_writes
from tests.support.cli import Cli
from tests.support.ids import LEGACY_TOKEN, LIVE, SANDBOX

FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

VALUES: st.SearchStrategy[Any] = st.sampled_from([
    None, "", ".", "..", "x", True, False, 0, -1, 1.5, [], {}, {"id": ".."}, "30d", "2h",
    "1m", "https://*", "https://app.example.com", "http://localhost:3000",
    "https://*.example.com", "totp", "cookie", "localstorage", "add", "remove", "update",
    "rotate", "revoke", "tightens", "weakens", "neutral", "allowed_origins", "jwt_lifetime",
    "mfa", "mfa.methods", "token_storage", "api_tokens", "api_tokens[0]", "api_tokens[1]",
    LEGACY_TOKEN, LIVE, SANDBOX, "0" * 64, "2000-01-01T00:00:00+00:00",
])
CHANGE_KEYS = st.sampled_from(["area", "action", "path", "before", "after", "effect"])
TOP_KEYS = st.sampled_from(["blocked", "findings", "created_at", "policy_sha256", "stage",
                            "environment_id", "format_version", "changes", "production"])
BASIS_KEYS = st.sampled_from(["updated_at", "settings_sha256", "origins_sha256",
                              "tokens_sha256"])
INDEX = st.integers(0, 5)
EDITS = st.one_of(
    st.tuples(st.just("change"), INDEX, CHANGE_KEYS, VALUES),
    st.tuples(st.just("token"), st.sampled_from([ROTATE, REVOKE]),
              st.sampled_from(["before", "after"]),
              st.sampled_from(["id", "created_at", "due"]), VALUES),
    st.tuples(st.just("drop"), INDEX),
    st.tuples(st.just("duplicate"), INDEX),
    st.tuples(st.just("swap"), INDEX, INDEX),
    st.tuples(st.just("top"), TOP_KEYS, VALUES),
    st.tuples(st.just("basis"), BASIS_KEYS, VALUES),
)


def edit(data: dict[str, Any], how: tuple[Any, ...]) -> None:
    kind, *args = how
    changes = data["changes"] if isinstance(data.get("changes"), list) else []
    if kind == "change" and args[0] < len(changes) and isinstance(changes[args[0]], dict):
        changes[args[0]][args[1]] = args[2]
    elif kind == "token" and args[0] < len(changes) and isinstance(changes[args[0]], dict) \
            and isinstance(changes[args[0]].get(args[1]), dict):
        changes[args[0]][args[1]][args[2]] = args[3]
    elif kind == "drop" and args[0] < len(changes):
        del changes[args[0]]
    elif kind == "duplicate" and args[0] < len(changes):
        changes.insert(args[0], json.loads(json.dumps(changes[args[0]])))
    elif kind == "swap" and max(args) < len(changes):
        changes[args[0]], changes[args[1]] = changes[args[1]], changes[args[0]]
    elif kind == "top":
        data[args[0]] = args[1]
    elif kind == "basis" and isinstance(data.get("basis"), dict):
        data["basis"][args[0]] = args[1]


@FUZZ
@given(edits=st.lists(EDITS, min_size=1, max_size=3))
def test_an_edit_is_refused_with_no_write_or_changes_nothing_apply_does(
    cli: Cli, edits: list[tuple[Any, ...]]
) -> None:
    cli.emulator.reset("demo")
    data, world = make_plan(cli, Case("fuzz", lambda d, w: None, 0, "", policy=POLICY))
    for how in edits:
        edit(data, how)
    (cli.directory / "plan.json").write_text(json.dumps(data), encoding="utf-8")
    (cli.directory / "secrets.json").unlink(missing_ok=True)
    cli.clear()

    result = cli(*APPLY)

    assert result.code in (0, 1, 3, 5), result.err  # never 70, an internal error
    assert "Traceback" not in result.err
    if result.code == 0:
        assert cli.writes() == untouched_writes(world), edits
    else:
        assert cli.writes() == [], (edits, result.err)
