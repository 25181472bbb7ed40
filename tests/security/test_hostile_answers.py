"""API answers the emulator never sends: too deep, too large, a compressed bomb, not JSON,
NaN, error bodies full of escape sequences and forged workflow commands. Each goes through
`dynsec plan` (and one through `drift`) over real HTTP to a small local server
(`hostile_api`): exit 4 with one clear message naming the API call, never a traceback, an
internal error (exit 70), a hang or a raw control character on stderr.
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.security.hostile import PRODUCTION_POLICY, check_text
from tests.security.hostile_api import Answer, hostile_api, nested
from tests.support.cli import Result, dynsec, instant_backoff
from tests.support.ids import LIVE

ENVIRONMENT = f"/api/v0/environments/{LIVE}"
ORIGINS = f"{ENVIRONMENT}/origins"
TOKENS = f"{ENVIRONMENT}/tokens"
WEBHOOKS = f"{ENVIRONMENT}/webhooks"
TEST_ACCOUNT = f"{ENVIRONMENT}/test/account"
GOOD_ENVIRONMENT = json.dumps({"id": LIVE, "settings": {"security": {},
                                                        "environmentName": "live"}}).encode()
GOOD = {
    ENVIRONMENT: Answer(200, GOOD_ENVIRONMENT),
    ORIGINS: Answer(200, b'{"origins": []}'),
    TOKENS: Answer(200, b'{"tokens": []}'),
    WEBHOOKS: Answer(200, b'{"data": [], "cursor": ""}'),
    TEST_ACCOUNT: Answer(404, b'{"error": "Test account not found", "code": "not_found"}'),
}
MIB = 1024 * 1024
BIG = b'{"origins": [' + b'"x",' * (9 * MIB // 4) + b'"x"]}'
BOMB = gzip.compress(b'{"tokens": [' + b" " * (16 * MIB) + b"]}", compresslevel=9)
HOSTILE_DETAIL = ("\x1b[2J\x1b[31mRED\n::error::forged annotation\r\n##[warning]v1 "
                  + "x" * 2000)


@dataclass(frozen=True)
class Case:
    id: str
    path: str
    answer: Answer
    says: tuple[str, ...]
    code: int = 4


CASES = [
    Case("nested-3000", ENVIRONMENT, Answer(200, nested(3000)),
         (f"answered GET /api/v0/environments/{LIVE} with 200", "deeper than 64 levels")),
    Case("nested-65", ENVIRONMENT, Answer(200, nested(63)),  # 63 + the 2 levels around it
         (f"GET /api/v0/environments/{LIVE}", "deeper than 64 levels")),
    Case("nested-3000-unclosed", ENVIRONMENT, Answer(200, b"[" * 3000),
         ("deeper than 64 levels",)),
    Case("nested-objects-3000", TOKENS, Answer(200, b'{"a":' * 3000 + b"1" + b"}" * 3000),
         (f"GET /api/v0/environments/{LIVE}/tokens", "deeper than 64 levels")),
    Case("larger-than-8-mib", ORIGINS, Answer(200, BIG),
         (f"GET /api/v0/environments/{LIVE}/origins", "larger than 8 MiB")),
    Case("larger-than-8-mib-chunked", ORIGINS, Answer(200, BIG, chunked=True),
         ("larger than 8 MiB",)),
    Case("gzip-bomb", TOKENS, Answer(200, BOMB, headers={"Content-Encoding": "gzip"}),
         (f"GET /api/v0/environments/{LIVE}/tokens", "larger than 8 MiB")),
    Case("not-json", ENVIRONMENT, Answer(200, b"<html>maintenance</html>"), ("not JSON",)),
    Case("nan", ENVIRONMENT, Answer(200, b'{"id": "e", "settings": {"x": NaN}}'),
         ("holds NaN, which is not JSON",)),
    Case("hostile-error-body", ENVIRONMENT,
         Answer(422, json.dumps({"error": HOSTILE_DETAIL, "code": "x\x1b[0m"}).encode()),
         (f"Dynamic refused GET /environments/{LIVE}", "Dynamic said:")),
    Case("hostile-error-text", ENVIRONMENT, Answer(403, HOSTILE_DETAIL.encode()),
         ("403 Forbidden", "Dynamic said:")),
    Case("nested-error-body", ENVIRONMENT, Answer(500, nested(3000)),
         (f"Dynamic answered 500 to GET /environments/{LIVE}",)),
    Case("huge-error-body", ENVIRONMENT, Answer(500, BIG, chunked=True),
         ("larger than 8 MiB",)),
    # Every page names the same next cursor: the list is refused, never used in part.
    Case("webhook-cursor-repeats", WEBHOOKS,
         Answer(200, b'{"data": [], "cursor": "again"}'),
         (f"GET /api/v0/environments/{LIVE}/webhooks", "a cursor that repeats")),
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.yaml").write_text(PRODUCTION_POLICY, encoding="utf-8")
    monkeypatch.setenv("DYNAMIC_API_TOKEN", "dyn_hostileAnswerToken0000000000")
    monkeypatch.delenv("DYNSEC_MAX_REQUESTS_PER_MINUTE", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    instant_backoff(monkeypatch)
    return tmp_path


PLAN_JSON = ("plan", "good.yaml", "--stage", "production", "--format", "json")


def against(answers: dict[str, Answer], monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """`dynsec argv...` against a server answering `answers`."""
    with hostile_api(answers) as server:
        monkeypatch.setenv("DYNAMIC_API_URL", server.base_url)
        return dynsec(capsys, *argv)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_answer(case: Case, workdir: Path, monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    result = against({**GOOD, case.path: case.answer}, monkeypatch, capsys, *PLAN_JSON)
    elapsed = time.monotonic() - started
    assert result.code == case.code, result.err
    assert result.out == ""  # JSON format: stdout stays empty on exit 4
    errors = [line for line in result.err.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    for fragment in case.says:
        assert fragment in result.err, f"{fragment!r} not in {result.err!r}"
    check_text(result.err)
    assert len(result.err) < 1200, result.err  # vendor text is clipped, not pasted in full
    assert elapsed < 5, elapsed  # a hang guard, not a speed goal


@pytest.mark.slow
def test_a_too_deep_answer_in_drift_is_that_stage_s_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = against({**GOOD, ENVIRONMENT: Answer(200, nested(3000))}, monkeypatch, capsys,
                     "drift", "good.yaml", "--format", "json")
    assert result.code == 4, result.err
    report = json.loads(result.out)
    assert [error["stage"] for error in report["errors"]] == ["production"]
    assert "deeper than 64 levels" in report["errors"][0]["message"]


@pytest.mark.slow
def test_a_nesting_within_the_bound_is_read(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The bound refuses hostile answers only: 62 levels of unknown settings (64 with the
    # answer's own two) are kept and planned like any other unknown key.
    result = against({**GOOD, ENVIRONMENT: Answer(200, nested(62))}, monkeypatch, capsys,
                     *PLAN_JSON)
    assert result.code == 0, result.err
    assert result.json()["stage"] == "production"


@pytest.mark.slow
def test_hostile_token_ids_and_notes_in_an_answer_print_escaped(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # DS504 quotes a token's id as Dynamic sent it. A lone surrogate cannot be printed as
    # UTF-8 at all: unescaped, it would end the run with an internal error; the escape
    # sequence would clear the screen, the newline forge an annotation.
    token_id = "t1\ud800\x1b[2J\n::error::forged"
    token = {"id": token_id, "checksum": "abcdef", "note": "\x1b[31mnote", "createdAt":
             "2026-01-01T00:00:00.000Z", "scopes": ["environment.settings.read"]}
    answers = {**GOOD, TOKENS: Answer(200, json.dumps({"tokens": [token]}).encode())}
    for output_format in ("text", "markdown", "json"):
        result = against(answers, monkeypatch, capsys, *PLAN_JSON[:-1], output_format)
        assert result.code == 0, result.err
        check_text(result.out)
        result.out.encode("utf-8")
        if output_format == "json":  # carried unchanged
            messages = [f["message"] for f in result.json()["findings"]]
            assert any(f"token {token_id} " in message for message in messages), messages


EVENT_TYPES = "/api/v0/eventTypes"
MISTYPED_WEBHOOK_POLICY = PRODUCTION_POLICY + """\
    webhooks:
      - name: audit
        url: https://hooks.example.com/dynamic
        events: [{events}]
""".format(events=", ".join(f"user.session.revokd{n}" for n in range(12)))


@pytest.mark.slow
@pytest.mark.parametrize("catalogue", [
    # a dozen names as long as escape sequences and forged commands can make them
    [{"name": HOSTILE_DETAIL + str(n)} for n in range(12)],
    # 80,000 names (within the 8 MiB answer bound), each near the mistyped ones
    [{"name": f"user.session.revoked{n}"} for n in range(80_000)],
], ids=["hostile-names", "huge"])
def test_a_hostile_event_catalogue_makes_one_short_error_quickly(
    catalogue: list[dict[str, str]], workdir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (workdir / "good.yaml").write_text(MISTYPED_WEBHOOK_POLICY, encoding="utf-8")
    answers = {**GOOD, EVENT_TYPES: Answer(200, json.dumps(catalogue).encode())}
    started = time.monotonic()
    result = against(answers, monkeypatch, capsys, *PLAN_JSON)
    elapsed = time.monotonic() - started
    assert result.code == 3, result.err
    assert "is not an event Dynamic knows" in result.err
    check_text(result.err)
    assert len(result.err) < 12 * 1200, len(result.err)  # a dozen problems, each clipped
    # A hang guard, not a speed goal (about 2 s on an idle 2-core machine, twice that under
    # load): 12 fuzzy searches of 80,000 names took 20 s.
    assert elapsed < 8, elapsed
