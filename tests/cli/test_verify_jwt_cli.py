"""`dynsec verify-jwt`: one JWT from standard input, every check shown, the non-sensitive
claims, never the token; exit 0 valid, 1 rejected, 3 input, 4 keys or session unreadable."""

from __future__ import annotations

import re

import pytest

from tests.cli.incident_support import POLICY, pipe
from tests.security.hostile import check_text
from tests.support.cli import Cli, Result
from tests.support.ids import LIVE
from tests.support.secrets import leaks
from tests.verify.support import APP

CHECK_LINE = re.compile(r"^  (ok  |FAIL|-   )  (\w+)", re.MULTILINE)


def _mint(cli: Cli, **request: object) -> str:
    request.setdefault("aud", APP)
    token: str = cli.emulator.mint_jwt(LIVE, **request)["jwt"]
    return token


def _run(cli: Cli, monkeypatch: pytest.MonkeyPatch, stdin: str | bytes, *args: str) -> Result:
    policy = cli.write(POLICY)
    pipe(monkeypatch, stdin.encode() if isinstance(stdin, str) else stdin)
    return cli("verify-jwt", str(policy), "--stage", "production", *args)


def test_a_valid_token_passes_every_check(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    token = _mint(cli, sub="user-1")
    result = _run(cli, monkeypatch, token + "\n")
    assert result.code == 0, result.err
    marks = CHECK_LINE.findall(result.out)
    assert [mark for mark, _ in marks] == ["ok  "] * 12
    assert "claims: sub='user-1', sid='" in result.out
    assert f"environment_id='{LIVE}'" in result.out and "scope='user:basic'" in result.out
    assert re.search(r"exp=\d+ \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)", result.out)
    assert result.out.rstrip().endswith("Valid.")
    assert leaks(result.out + result.err, {"token": token}) == []
    assert "last_verified_credential_id" not in result.out  # only the non-sensitive claims


def test_a_rejected_token_names_the_check_and_exits_1(cli: Cli,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    token = _mint(cli, aud="https://evil.example.com")
    result = _run(cli, monkeypatch, f"Authorization: Bearer {token}")
    assert result.code == 1, result.err
    marks = dict((name, mark) for mark, name in CHECK_LINE.findall(result.out))
    assert marks["signature"] == "ok  " and marks["audience"] == "FAIL"
    assert marks["scope"] == marks["mfa_pending"] == "-   "
    assert "'https://evil.example.com' is not among the 1 allowed origin(s)" in result.out
    assert "Rejected: audience." in result.out
    assert leaks(result.out + result.err, {"token": token}) == []


def test_json_output(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    token = _mint(cli, wrong_key=True)
    document = _run(cli, monkeypatch, "Bearer " + token, "--format", "json").json()
    assert {"version", "valid", "check", "message", "claims"} <= set(document)
    assert (document["version"], document["valid"], document["check"]) == (1, False, "signature")
    assert document["claims_verified"] is False
    assert set(document["claims"]) == {"sub", "sid", "scope", "exp", "environment_id"}
    valid = _run(cli, monkeypatch, _mint(cli), "--format", "json").json()
    assert (valid["valid"], valid["check"], valid["message"]) == (True, None, None)
    assert [c["result"] for c in valid["checks"]] == ["passed"] * 12


def test_check_session_after_revoke(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    token = _mint(cli, sub="user-9")
    assert _run(cli, monkeypatch, token, "--check-session").code == 0
    policy = cli.write(POLICY)
    assert cli("sessions", "revoke", str(policy), "--stage", "production", "--user", "user-9",
               "--yes").code == 0
    assert _run(cli, monkeypatch, token).code == 0  # the JWT itself still verifies
    result = _run(cli, monkeypatch, token, "--check-session")
    assert result.code == 1
    assert re.search(r"^  FAIL  revoked\s+session '[0-9a-f-]+' was revoked at ", result.out,
                     flags=re.MULTILINE)


@pytest.mark.parametrize("stdin", ["", "   \n", "Bearer "])
def test_no_token_is_exit_3(cli: Cli, monkeypatch: pytest.MonkeyPatch, stdin: str) -> None:
    result = _run(cli, monkeypatch, stdin)
    assert result.code == 3 and "No JWT on standard input" in result.err


def test_an_oversize_input_is_malformed_and_read_bounded(
    cli: Cli, monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = _run(cli, monkeypatch, b"e" * 10_000_000)
    assert result.code == 1
    assert "FAIL  malformed" in result.out and "longer than 16384" in result.out


def test_unreadable_keys_are_exit_4_with_nothing_on_stdout(
    cli: Cli, monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = cli.write(POLICY)
    pipe(monkeypatch, _mint(cli).encode())
    result = cli("verify-jwt", str(policy), "--stage", "gone", "--format", "json")
    assert result.code == 4 and result.out == ""
    assert "JWKS" in result.err and "503" in result.err


def test_hostile_claims_are_escaped(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    token = _mint(cli, claims={"sub": "x\n::error::forged \x1b[31m", "environment_id": "\x9b"})
    result = _run(cli, monkeypatch, token)
    assert result.code == 1  # environment
    check_text(result.out)


@pytest.mark.parametrize(("claim", "check"), [("exp", "expired"), ("iat", "not_yet_valid")])
def test_a_time_past_any_float_is_rejected_not_an_internal_error(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, claim: str, check: str,
) -> None:
    token = _mint(cli, claims={claim: 10**400})
    result = _run(cli, monkeypatch, token)
    assert result.code == 1, result.err
    assert f"Rejected: {check}." in result.out and "internal error" not in result.err
    assert leaks(result.out + result.err, {"token": token}) == []


@pytest.mark.parametrize("where", ["policy", "extra argument", "stage", "format",
                                   "sessions extra argument"])
def test_a_jwt_on_the_command_line_is_refused_without_being_printed(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, where: str,
) -> None:
    token = _mint(cli)
    policy = str(cli.write(POLICY))
    argv = {
        "policy": ["verify-jwt", token, "--stage", "production"],
        "extra argument": ["verify-jwt", policy, "--stage", "production", token],
        "stage": ["verify-jwt", policy, "--stage", token],
        "format": ["verify-jwt", policy, "--stage", "production", "--format", token],
        "sessions extra argument": ["sessions", "revoke", policy, "--stage", "production",
                                    token, "--yes"],
    }[where]
    pipe(monkeypatch, token.encode())
    result = cli(*argv)
    assert result.code == 3
    assert result.err.count("Error: ") == 1
    assert leaks(result.out + result.err, {"token": token}) == []
    assert token.rsplit(".", 1)[1] not in result.err  # not even the signature


def test_an_argument_click_refuses_is_escaped(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = str(cli.write(POLICY))
    pipe(monkeypatch, b"")
    result = cli("verify-jwt", policy, "--stage", "production", "\x1b]0;owned\x07\n::error::x")
    assert result.code == 3
    check_text(result.err)


def test_a_token_file_saved_with_a_byte_order_mark_verifies(
    cli: Cli, monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = _mint(cli)
    result = _run(cli, monkeypatch, "\ufeff".encode() + token.encode() + b"\r\n")
    assert result.code == 0, result.out
    assert result.out.rstrip().endswith("Valid.")
