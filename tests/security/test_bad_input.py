"""Every bad input gets the right exit code (3: invalid input, 4: the API or the network) and
one clear message on stderr (what, where, what to do), never a traceback; with a JSON or SARIF
format stdout stays empty (docs/cli.md#output-formats).

One table: the malformed policy corpus (`tests/policy/malformed/`, each case through `plan`,
where `validate` already has its own test), then arguments, files and the environment. Each
row names the fragments its message must hold.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pulumi_dynamic_security.cli.main import run
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.policy.test_malformed import CASES as CORPUS
from tests.policy.test_malformed import Case as MalformedCase
from tests.security.hostile import PRODUCTION_POLICY
from tests.support.cli import Cli, dynsec
from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT
from tests.support.tokens import plant

GOOD = PRODUCTION_POLICY + f"""\
  staging:
    environment_id: {SANDBOX}
    allowed_origins: [https://staging.example.com]
"""
TOKENS = f"""\
version: 1
stages:
  production:
    environment_id: {LIVE}
    api_tokens:
      - name: ci
        scopes: [environment.settings.read]
        rotate_every: 30d
"""
UNKNOWN_ENV = GOOD.replace(LIVE, UNKNOWN_ENVIRONMENT)
OWN_TOKEN_ENV = GOOD.replace(f"environment_id: {LIVE}\n",
                             f"environment_id: {LIVE}\n    token_env: PRODUCTION_TOKEN\n")
READ_ONLY = ("environment.settings.read",)
UNREACHABLE = "http://127.0.0.1:9/api/v0"  # the discard port: connection refused

PLAN = ("plan", "good.yaml", "--stage", "production")
PLAN_JSON = (*PLAN, "--format", "json")
APPLY = ("apply", "good.yaml", "--stage", "production", "--yes")

Setup = Callable[[EmulatorHandle, Path], dict[str, str | None]]


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    code: int
    says: tuple[str, ...]  # fragments of the one message: what, where, what to do
    files: dict[str, str | bytes] = field(default_factory=dict)
    env: dict[str, str | None] = field(default_factory=dict)  # None: unset
    setup: Setup | None = None  # more environment, from the emulator (planted tokens)
    stdout_json: bool = False  # stdout holds a JSON report (drift lists failed stages)


def planted(scopes: tuple[str, ...], environment_id: str = LIVE) -> Setup:
    """A token of `environment_id` with only `scopes`, as DYNAMIC_API_TOKEN."""

    def setup(emu: EmulatorHandle, directory: Path) -> dict[str, str | None]:
        token = plant(emu, None, note="limited", scopes=scopes, environment_id=environment_id)
        return {"DYNAMIC_API_TOKEN": token.raw}

    return setup


def saved_plan(edit: Callable[[dict[str, object]], object]) -> Setup:
    """A plan saved by `dynsec plan --out plan.json`, then edited."""

    def setup(emu: EmulatorHandle, directory: Path) -> dict[str, str | None]:
        assert run([*PLAN, "--out", "plan.json"]) == 0
        path = directory / "plan.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        edit(data)
        path.write_text(json.dumps(data), encoding="utf-8")
        return {}

    return setup


def _set(key: str, value: object) -> Callable[[dict[str, object]], object]:
    return lambda data: data.__setitem__(key, value)


ARGUMENTS = [
    Case("unknown-command", ("frobnicate",), 3, ("No such command", "frobnicate")),
    Case("no-command-args", ("plan",), 3, ("Missing argument 'POLICY'", "Try 'dynsec plan")),
    Case("unknown-option", (*PLAN, "--bogus"), 3, ("No such option", "--bogus", "Try 'dynsec")),
    Case("extra-argument", ("plan", "good.yaml", "other.yaml", "--stage", "production"), 3,
         ("unexpected extra argument", "other.yaml")),
    Case("bad-format-choice", (*PLAN, "--format", "xml"), 3, ("'xml' is not one of", "json")),
    Case("validate-bad-format", ("validate", "good.yaml", "--format", "html"), 3,
         ("'html' is not one of", "sarif")),
    Case("rules-bad-format", ("rules", "--format", "yaml"), 3, ("'yaml' is not one of",)),
    Case("schema-unknown-option", ("schema", "--write"), 3, ("No such option", "--write")),
    Case("plan-missing-stage", ("plan", "good.yaml", "--format", "json"), 3,
         ("Missing option '-s' / '--stage'",)),
    Case("apply-missing-stage", ("apply", "good.yaml", "--yes"), 3,
         ("Missing option '-s' / '--stage'",)),
    Case("plan-unknown-stage", ("plan", "good.yaml", "--stage", "prodution", "--format", "json"),
         3, ("good.yaml has no stage 'prodution'", "did you mean 'production'")),
    Case("drift-unknown-stage", ("drift", "good.yaml", "--stage", "stagin", "--format", "json"),
         3, ("no stage 'stagin'", "did you mean 'staging'")),
    Case("validate-unknown-stage", ("validate", "good.yaml", "--stage", "dev", "--format",
                                    "sarif"), 3, ("no stage 'dev'", "stage names")),
    Case("policy-missing", ("plan", "nope.yaml", "--stage", "production", "--format", "json"),
         3, ("nope.yaml", "not found", "Pass the path of your policy file")),
    Case("policy-is-a-directory", ("plan", "adir", "--stage", "production"), 3,
         ("adir", "is a directory"), files={"adir/keep": ""}),
    Case("policy-not-utf8", ("validate", "latin1.yaml", "--format", "json"), 3,
         ("latin1.yaml", "is not UTF-8"), files={"latin1.yaml": b"version: 1\n# caf\xe9\n"}),
    Case("export-bad-environment-id", ("export", "--environment-id", "not-a-uuid"), 3,
         ("--environment-id", "is not a lower-case uuid")),
    Case("export-upper-case-id", ("export", "--environment-id", LIVE.upper()), 3,
         ("is not a lower-case uuid",)),
    Case("export-missing-id", ("export",), 3, ("Missing option '--environment-id'",)),
    Case("drift-concurrency-0", ("drift", "good.yaml", "--concurrency", "0"), 3,
         ("--concurrency", "0 is not in the range")),
    Case("drift-concurrency-text", ("drift", "good.yaml", "--concurrency", "many"), 3,
         ("--concurrency", "'many' is not a valid integer")),
    Case("max-requests-0", (*PLAN, "--max-requests-per-minute", "0"), 3,
         ("--max-requests-per-minute", "0 is not in the range")),
    Case("emulator-bad-port", ("emulator", "--port", "http"), 3,
         ("--port", "'http' is not a valid integer")),
    Case("emulator-bad-error-rate", ("emulator", "--error-rate", "2"), 3,
         ("--error-rate", "2")),
    Case("validate-output-over-policy", ("validate", "good.yaml", "--output", "good.yaml"), 3,
         ("is the policy file itself", "Write the report to another file")),
    Case("apply-without-yes-or-terminal", ("apply", "good.yaml", "--stage", "production"), 3,
         ("no terminal", "Pass --yes")),
    Case("rotation-without-secrets-out", ("apply", "tokens.yaml", "--stage", "production",
                                          "--yes"), 3,
         ("rotation", "nothing was written", "--secrets-out FILE"), files={"tokens.yaml": TOKENS}),
    Case("secrets-out-not-empty", ("apply", "tokens.yaml", "--stage", "production", "--yes",
                                   "--secrets-out", "old-tokens.json"), 3,
         ("old-tokens.json already exists and is not empty", "nothing was written"),
         files={"tokens.yaml": TOKENS, "old-tokens.json": '{"ci": {"token": "earlier"}}'}),
    Case("secrets-out-a-directory", ("apply", "tokens.yaml", "--stage", "production", "--yes",
                                     "--secrets-out", "adir"), 3,
         ("--secrets-out", "adir", "is a directory"),
         files={"tokens.yaml": TOKENS, "adir/keep": ""}),
    Case("plan-file-missing", (*APPLY, "--plan", "missing.json"), 3,
         ("missing.json", "cannot be read", "dynsec plan POLICY --stage S --out FILE")),
    Case("plan-file-not-json", (*APPLY, "--plan", "broken.json"), 3,
         ("broken.json is not JSON", "line 1"), files={"broken.json": '{"format": "dyn'}),
    Case("plan-file-not-a-plan", (*APPLY, "--plan", "list.json"), 3,
         ("list.json is not a plan written by `dynsec plan --out`",), files={"list.json": "[]"}),
    Case("plan-file-other-stage", (*APPLY, "--plan", "plan.json"), 3,
         ("plan.json was made for stage 'staging'", "not 'production'"),
         setup=saved_plan(_set("stage", "staging"))),
    Case("plan-file-other-environment", (*APPLY, "--plan", "plan.json"), 3,
         ("was made for stage 'production' (environment " + SANDBOX,),
         setup=saved_plan(_set("environment_id", SANDBOX))),
    Case("plan-file-future-version", (*APPLY, "--plan", "plan.json"), 3,
         ("plan format version 99",), setup=saved_plan(_set("format_version", 99))),
    Case("plan-file-damaged-changes", (*APPLY, "--plan", "plan.json"), 3,
         ("plan.json is damaged",),
         setup=saved_plan(_set("changes", [{"area": "allowed_origins", "action": "explode"}]))),
    Case("plan-file-damaged-basis", (*APPLY, "--plan", "plan.json"), 3,
         ("plan.json is damaged",), setup=saved_plan(_set("basis", "yesterday"))),
    Case("token-file-missing", (*PLAN, "--token-file", "no-token"), 3,
         ("--token-file", "no-token", "does not exist")),
    Case("token-file-empty", (*PLAN_JSON, "--token-file", "empty-token"), 3,
         ("empty-token is empty", "Put only the API token in the file"),
         files={"empty-token": "\n"}),
    Case("token-file-two-words", (*PLAN_JSON, "--token-file", "two-words"), 3,
         ("two-words is empty or holds more than one word",),
         files={"two-words": "dyn_abc dyn_def\n"}),
    Case("token-file-binary", (*PLAN, "--token-file", "binary-token"), 3,
         ("binary-token is not text",), files={"binary-token": b"\xff\xfe\x00dyn"}),
    Case("token-file-a-directory", (*PLAN, "--token-file", "adir"), 3,
         ("--token-file", "is a directory"), files={"adir/keep": ""}),
    # A credential in a JWKS or webhook url is refused, and the message shows it masked.
    Case("policy-urls-with-credentials", ("validate", "creds.yaml"), 3,
         ("jwks_url 'https://***@keys.example.com/jwks' contains user info",
          "'https://***@hooks.example.com/x' contains user info"),
         files={"creds.yaml": PRODUCTION_POLICY + """\
    external_auth:
      jwks_url: https://me:hunter2secret@keys.example.com/jwks
    webhooks:
      - name: audit
        url: https://hunter2secret@hooks.example.com/x
        events: [user.session.revoked]
"""}),
    # An origin too, and a url whose first fault is another one (a space): still masked.
    Case("policy-origins-and-urls-with-credentials-and-other-faults", ("validate", "o.yaml"),
         3, ("'https://***@app.example.com' contains user info",
             "'https://***@hooks.example.com/a b' contains a space"),
         files={"o.yaml": PRODUCTION_POLICY.replace(
             "https://app.example.com", "https://admin:hunter2secret@app.example.com") + """\
    webhooks:
      - name: audit
        url: "https://u:hunter2secret@hooks.example.com/a b"
        events: [user.session.revoked]
"""}),
]

ENVIRONMENT = [
    Case("token-missing", PLAN_JSON, 3,
         ("DYNAMIC_API_TOKEN is not set", "Export DYNAMIC_API_TOKEN", "--token-file"),
         env={"DYNAMIC_API_TOKEN": None}),
    Case("token-blank", (*APPLY,), 3, ("DYNAMIC_API_TOKEN is not set",),
         env={"DYNAMIC_API_TOKEN": "   "}),
    Case("stage-token-env-missing", ("plan", "own.yaml", "--stage", "production", "--format",
                                     "json"), 3, ("PRODUCTION_TOKEN is not set",),
         files={"own.yaml": OWN_TOKEN_ENV}),
    Case("export-token-missing", ("export", "--environment-id", LIVE), 3,
         ("DYNAMIC_API_TOKEN is not set",), env={"DYNAMIC_API_TOKEN": None}),
    Case("token-invalid", PLAN_JSON, 4, ("401", "GET /environments/" + LIVE, "DYNAMIC_API_TOKEN"),
         env={"DYNAMIC_API_TOKEN": "dyn_notARealToken000000000000000000000"}),
    Case("token-invalid-export", ("export", "--environment-id", LIVE), 4, ("401",),
         env={"DYNAMIC_API_TOKEN": "dyn_notARealToken000000000000000000000"}),
    Case("token-invalid-drift", ("drift", "good.yaml", "--format", "json"), 4,
         ("stage 'production'", "401"), stdout_json=True,
         env={"DYNAMIC_API_TOKEN": "dyn_notARealToken000000000000000000000"}),
    Case("unreachable-url", PLAN_JSON, 4, ("could not connect to 127.0.0.1:9",),
         env={"DYNAMIC_API_URL": UNREACHABLE}),
    Case("unreachable-url-apply", APPLY, 4, ("could not connect",),
         env={"DYNAMIC_API_URL": UNREACHABLE}),
    # User info in the API URL is refused before any request (it used to be sent along, and
    # fail with exit 4); the password never shows.
    Case("api-url-with-credentials", PLAN_JSON, 3, ("holds user info", "DYNAMIC_API_TOKEN"),
         env={"DYNAMIC_API_URL": "http://someone:hunter2secret@127.0.0.1:9/api/v0"}),
    Case("environment-404", ("plan", "unknown.yaml", "--stage", "production", "--format",
                             "json"), 4, ("404", UNKNOWN_ENVIRONMENT),
         files={"unknown.yaml": UNKNOWN_ENV}),
    Case("environment-404-drift", ("drift", "unknown.yaml", "--format", "json"), 4,
         ("stage 'production'", "404"), stdout_json=True, files={"unknown.yaml": UNKNOWN_ENV}),
    Case("scope-403-on-read", PLAN_JSON, 4, ("403", "environment.apiTokens.read"),
         setup=planted(READ_ONLY)),
    Case("scope-403-on-write", APPLY, 4, ("403", "environment.settings.write"),
         setup=planted(("environment.settings.read", "environment.apiTokens.read"))),
    Case("token-of-another-environment", PLAN_JSON, 4, ("403",),
         setup=planted(("environment.settings.read", "environment.apiTokens.read"), SANDBOX)),
    Case("api-url-not-http", PLAN_JSON, 3, ("'ftp://example.com/api/v0' is not an http(s) URL",
                                            "DYNAMIC_API_URL"),
         env={"DYNAMIC_API_URL": "ftp://example.com/api/v0"}),
    Case("api-url-not-a-url", PLAN, 3, ("is not an http(s) URL",),
         env={"DYNAMIC_API_URL": "app.dynamicauth.com"}),
    Case("api-url-without-api-prefix", PLAN_JSON, 4, ("404", "DYNAMIC_API_URL", "/api/v0"),
         setup=lambda emu, _: {
        "DYNAMIC_API_URL": emu.root_url}),
    Case("max-requests-not-a-number", PLAN_JSON, 3,
         ("DYNSEC_MAX_REQUESTS_PER_MINUTE", "'abc' is not a valid integer"),
         env={"DYNSEC_MAX_REQUESTS_PER_MINUTE": "abc"}),
    Case("max-requests-negative", PLAN, 3, ("-5 is not in the range",),
         env={"DYNSEC_MAX_REQUESTS_PER_MINUTE": "-5"}),
]

def corpus_file(case: MalformedCase) -> Setup:
    """The corpus case's file, with its dates filled in."""

    def setup(emu: EmulatorHandle, directory: Path) -> dict[str, str | None]:
        case.materialize(directory)
        return {}

    return setup


POLICY_FILES = [
    Case(f"policy-{case.name}", ("plan", case.name, "--stage", "production", "--format", "json"),
         3, (f"{case.name}:{case.line}: ", case.fragment), setup=corpus_file(case))
    for case in CORPUS
]
TABLE = [*POLICY_FILES, *ARGUMENTS, *ENVIRONMENT]


def test_the_table_is_large_and_its_ids_unique() -> None:
    assert len(TABLE) >= 60
    assert len(ARGUMENTS) + len(ENVIRONMENT) >= 40
    assert len({case.id for case in TABLE}) == len(TABLE)


@pytest.fixture
def workdir(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`cli`'s working directory, with `good.yaml` and no `PRODUCTION_TOKEN`."""
    monkeypatch.delenv("PRODUCTION_TOKEN", raising=False)
    cli.write(GOOD, "good.yaml")
    return cli.directory


def materialize(directory: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.mark.parametrize("case", TABLE, ids=lambda case: case.id)
def test_bad_input(case: Case, workdir: Path, emulator: EmulatorHandle,
                   monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    materialize(workdir, case.files)
    env = dict(case.env)
    if case.setup is not None:
        env.update(case.setup(emulator, workdir))
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)

    result = dynsec(capsys, *case.argv)
    code, out, err = result.code, result.out, result.err

    if os.environ.get("SHOW_BAD_INPUT"):
        print(f"\n--- {case.id} (exit {code})\n{err}", file=sys.__stderr__)
    assert code == case.code, err
    assert "Traceback" not in err + out
    errors = [line for line in err.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 if not case.stdout_json else errors, err
    for fragment in case.says:  # click puts "Try 'dynsec ... -h' for help." before "Error:"
        assert fragment in err, f"{fragment!r} not in {err!r}"
    if "--format" in case.argv and case.argv[case.argv.index("--format") + 1] in ("json",
                                                                                 "sarif"):
        if case.stdout_json:
            report = json.loads(out)
            assert report["errors"], out
        else:
            assert out == "", out
    assert "hunter2secret" not in out + err  # the password of a URL with credentials
    token = os.environ.get("DYNAMIC_API_TOKEN", "").strip()
    assert not token or token not in out + err
