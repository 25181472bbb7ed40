"""The API URL rule, through the real command line: `https://`, or `http://` to a loopback
host (127.0.0.0/8, ::1, localhost); any other `http://` is refused before a request (exit 3)
unless `--allow-insecure-http` or `DYNSEC_ALLOW_INSECURE_HTTP=1`, which print a warning;
malformed URLs are exit 3 and no message shows a URL's password, user or query.

`dynamic-api.example` stands for a remote API host: this test's resolver answers it with
127.0.0.1, so a request the rule lets through really arrives, at the emulator (or at a port
nothing listens on), and a refused one provably never leaves: no name is even looked up, and
the emulator's request log stays empty. The emulator here answers any `Host` (the one the
CLI starts on loopback refuses names that are not loopback, against DNS rebinding).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from pulumi_dynamic_security.api.config import ClientConfig
from pulumi_dynamic_security.emulator.server import EmulatorHandle, running_emulator
from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.redaction import Secret
from pulumi_dynamic_security.service.connection import Connection
from tests.security.hostile import PRODUCTION_POLICY, check_text
from tests.support.cli import dynsec, instant_backoff

FAKE = "dynamic-api.example"
PASSWORD = "hunter2secret"
Outcome = Literal["ok", "warned", "refused"]


@dataclass(frozen=True)
class UrlCase:
    id: str
    url: str  # {emu}: the emulator's port; {closed}: a port nothing listens on
    outcome: Outcome
    says: tuple[str, ...] = ()
    flag: bool = False
    env: str | None = None  # DYNSEC_ALLOW_INSECURE_HTTP


TABLE = [
    # Accepted without a word: https anywhere, http to this machine.
    UrlCase("https-remote", f"https://{FAKE}:{{closed}}/api/v0", "ok"),
    UrlCase("https-trailing-slash", f"https://{FAKE}:{{closed}}/api/v0/", "ok"),
    UrlCase("https-with-the-flag", f"https://{FAKE}:{{closed}}/api/v0", "ok", flag=True),
    UrlCase("http-127.0.0.1", "http://127.0.0.1:{emu}/api/v0", "ok"),
    UrlCase("http-127.0.0.2", "http://127.0.0.2:{closed}/api/v0", "ok"),
    UrlCase("http-localhost", "http://localhost:{emu}/api/v0", "ok"),
    UrlCase("http-localhost-upper-case", "HTTP://LOCALHOST:{emu}/api/v0", "ok"),
    UrlCase("http-ipv6-loopback", "http://[::1]:{closed}/api/v0", "ok"),
    UrlCase("http-ipv4-mapped-loopback", "http://[::ffff:127.0.0.1]:{closed}/api/v0", "ok"),
    # Plain http to another host: only when asked for, and then with a warning.
    UrlCase("http-remote-flag", f"http://{FAKE}:{{emu}}/api/v0", "warned", flag=True),
    UrlCase("http-remote-env-1", f"http://{FAKE}:{{emu}}/api/v0", "warned", env="1"),
    UrlCase("http-remote-env-true", f"http://{FAKE}:{{emu}}/api/v0", "warned", env="true"),
    UrlCase("http-remote", f"http://{FAKE}:{{emu}}/api/v0", "refused",
            ("plain http", "--allow-insecure-http", "DYNSEC_ALLOW_INSECURE_HTTP=1")),
    UrlCase("http-remote-env-0", f"http://{FAKE}:{{emu}}/api/v0", "refused", ("plain http",),
            env="0"),
    UrlCase("http-private-address", "http://10.0.0.1:{emu}/api/v0", "refused", ("plain http",)),
    UrlCase("http-public-address", "http://8.8.8.8/api/v0", "refused", ("plain http",)),
    UrlCase("http-loopback-short-form", "http://127.1:{emu}/api/v0", "refused",
            ("plain http",)),
    UrlCase("http-subdomain-of-localhost", "http://api.localhost:{emu}/api/v0", "refused",
            ("plain http",)),
    # Malformed: exit 3 with what is wrong, never the password, user or query.
    UrlCase("ipv6-unclosed", "http://[::1", "refused", ("'http://[::1' is malformed",)),
    UrlCase("port-out-of-range", "http://127.0.0.1:99999/api/v0", "refused", ("malformed",)),
    UrlCase("port-not-a-number", "http://127.0.0.1:http/api/v0", "refused", ("malformed",)),
    UrlCase("port-zero", f"https://{FAKE}:0/api/v0", "refused", ("port 0",)),
    UrlCase("user-and-password", f"https://someone:{PASSWORD}@{FAKE}/api/v0", "refused",
            ("holds user info", f"'https://***@{FAKE}/api/v0'")),
    UrlCase("user-only", f"https://{PASSWORD}@{FAKE}/api/v0", "refused", ("holds user info",)),
    UrlCase("password-and-broken-host", f"http://someone:{PASSWORD}@[::1", "refused",
            ("malformed", "***@")),
    UrlCase("password-on-loopback", f"http://someone:{PASSWORD}@127.0.0.1:{{emu}}/api/v0",
            "refused", ("holds user info",)),
    UrlCase("token-in-the-query", f"https://{FAKE}/api/v0?token={PASSWORD}", "refused",
            ("has a query or a fragment",)),
    UrlCase("fragment", f"https://{FAKE}/api/v0#{PASSWORD}", "refused", ("query or a fragment",)),
    UrlCase("no-host", "https:///api/v0", "refused", ("has no host",)),
    UrlCase("space-in-host", f"https://{FAKE} /api/v0", "refused", ("contains a space",)),
    UrlCase("escape-sequence", f"https://{FAKE}/api/v0\x1b[2J", "refused",
            ("control character", "\\x1b[2J")),
    UrlCase("backslash", f"https://{FAKE}\\@evil.example/api/v0", "refused", ("backslash",)),
    UrlCase("not-http", f"ftp://{FAKE}/api/v0", "refused", ("is not an http(s) URL",)),
    UrlCase("no-scheme", f"{FAKE}/api/v0", "refused", ("is not an http(s) URL",)),
    UrlCase("javascript", "javascript:alert(1)", "refused", ("is not an http(s) URL",)),
    UrlCase("label-too-long", "https://" + "a" * 300 + ".example/api/v0", "refused",
            ("malformed", "…")),
]


@pytest.fixture(scope="module")
def open_emulator() -> Iterator[EmulatorHandle]:
    """An emulator that answers requests addressed to FAKE too."""
    with running_emulator(seed="demo", loopback_only=False) as handle:
        yield handle


@pytest.fixture
def emulator(open_emulator: EmulatorHandle) -> EmulatorHandle:
    open_emulator.reset("demo")
    return open_emulator


@pytest.fixture
def resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every host name looked up from now on (FAKE resolves to 127.0.0.1), in a working
    directory holding good.yaml."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.yaml").write_text(PRODUCTION_POLICY, encoding="utf-8")
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(str(host))
        return real("127.0.0.1" if host == FAKE else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    yield looked_up


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_table_covers_every_kind() -> None:
    kinds = {case.outcome for case in TABLE}
    assert kinds == {"ok", "warned", "refused"} and len(TABLE) >= 30
    assert len({case.id for case in TABLE}) == len(TABLE)


@pytest.mark.parametrize("case", TABLE, ids=lambda case: case.id)
def test_api_url(case: UrlCase, emulator: EmulatorHandle, resolved: list[str],
                 monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    emu_port = emulator.base_url.split(":")[2].split("/")[0]
    url = case.url.replace("{emu}", emu_port).replace("{closed}", str(_closed_port()))
    monkeypatch.setenv("DYNAMIC_API_URL", url)
    monkeypatch.setenv("DYNAMIC_API_TOKEN", emulator.token)
    monkeypatch.setenv("NO_COLOR", "1")
    if case.env is None:
        monkeypatch.delenv("DYNSEC_ALLOW_INSECURE_HTTP", raising=False)
    else:
        monkeypatch.setenv("DYNSEC_ALLOW_INSECURE_HTTP", case.env)
    instant_backoff(monkeypatch)
    emulator.clear_requests()

    flags = ("--allow-insecure-http",) if case.flag else ()
    result = dynsec(capsys, "plan", "good.yaml", "--stage", "production", "--format", "json",
                    *flags)

    warnings = [line for line in result.err.splitlines() if line.startswith("Warning")]
    assert PASSWORD not in result.out + result.err
    assert "Traceback" not in result.err
    check_text(result.err)
    reached = len(emulator.requests())
    if case.outcome == "refused":
        assert result.code == 3, result.err
        assert result.out == "" and not warnings
        assert [line for line in result.err.splitlines() if line.startswith("Error")], result.err
        for fragment in case.says:
            assert fragment in result.err, f"{fragment!r} not in {result.err!r}"
        assert resolved == [] and reached == 0  # nothing left this machine, or even tried to
        return
    assert result.code in (0, 4), result.err  # 4: a port nothing answers on; never 3
    if case.outcome == "warned":
        assert len(warnings) == 1 and "plain http" in warnings[0], result.err
        assert "--allow-insecure-http" in warnings[0]
        assert result.code == 0 and reached > 0  # allowed means really sent
    else:
        assert not warnings, result.err
        if "{emu}" in case.url:
            assert result.code == 0 and reached > 0, result.err


@pytest.mark.parametrize(("url", "allowed", "refused"), [
    ("https://app.dynamicauth.com/api/v0", False, False),
    ("http://127.0.0.1:8787/api/v0", False, False),
    ("http://[::1]:8787/api/v0", False, False),
    ("http://localhost:8787/api/v0", False, False),
    (f"http://{FAKE}/api/v0", False, True),
    (f"http://{FAKE}/api/v0", True, False),
    (f"https://someone:{PASSWORD}@{FAKE}/api/v0", True, True),
    ("http://[::1", True, True),
])
def test_the_client_configuration_applies_the_rule(url: str, allowed: bool, refused: bool,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # The Pulumi providers build their clients through Connection -> ClientConfig, so the rule
    # holds there too; DYNSEC_ALLOW_INSECURE_HTTP is how a stack allows plain http.
    monkeypatch.delenv("DYNSEC_ALLOW_INSECURE_HTTP", raising=False)
    token = Secret("dyn_configRuleToken00000000")
    builders: list[Callable[[], object]] = [
        lambda: ClientConfig(token=token, base_url=url, allow_insecure_http=allowed),
        lambda: Connection(api_url=url, allow_insecure_http=allowed).client(token).close(),
    ]
    if allowed:
        monkeypatch.setenv("DYNSEC_ALLOW_INSECURE_HTTP", "1")
        builders.append(lambda: Connection(api_url=url).client(token).close())
    for build in builders:
        if refused:
            with pytest.raises(InputError) as error:
                build()
            assert PASSWORD not in str(error.value) and PASSWORD not in repr(error.value)
        else:
            build()
