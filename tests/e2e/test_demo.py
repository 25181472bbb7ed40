"""`dynsec demo` (docs/cli.md#commands): the whole story runs, as a user starts it, and exits 0."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pulumi_dynamic_security.cli.demo import packaged_policy

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_uses_the_example_policy() -> None:
    example = (ROOT / "examples" / "dynamic-security.yaml").read_text(encoding="utf-8")
    assert packaged_policy() == example


@pytest.mark.slow
def test_the_demo_runs_the_whole_story_and_exits_0(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("DYNAMIC_", "DYNSEC_")) and k != "NO_COLOR"}
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "-m", "pulumi_dynamic_security.cli.main", "demo"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - started
    print(f"dynsec demo took {elapsed:.1f} s (the README: under 10 s)")

    out = finished.stdout
    assert finished.returncode == 0, finished.stdout + finished.stderr
    steps = re.findall(r"^\$ dynsec (.+)$", out, flags=re.MULTILINE)
    assert [step.split()[0] for step in steps] == [
        "validate", "plan", "apply", "apply", "apply", "drift", "drift", "sessions"]
    codes = [int(code) for code in re.findall(r"^\(exit code (\d+)", out, flags=re.MULTILINE)]
    assert codes == [0, 2, 0, 0, 0, 0, 2, 0]  # plan --detailed-exitcode: changes pending
    # The plan says which way each setting stands live against the policy (the mirror of
    # what apply does: live weaker, apply tightens).
    assert re.search(r"^\s+~ jwt_lifetime\s+live is weaker\s+30d, policy says 2h$", out,
                     flags=re.MULTILINE)
    assert re.search(r"^\s+\+ allowed_origins\s+live is stronger\s+lacks "
                     r"https://app\.acme-wallet\.com, policy has it$", out, flags=re.MULTILINE)
    # Converged, yet the live environment's test account (DS603) stays exposed: no apply
    # removes it; the seed has no captcha either (DS703).
    assert ("3 stages: 1 exposed now (production: 1 error live, DS603), no drift, 2 clean "
            "(dev, staging).") in out
    assert "(live)  DS703 captcha-off" in out
    # The dashboard edit is caught, in the pull-request format.
    assert ("**dynsec drift**: 🔴 `production` is exposed now: 2 errors live (DS102, DS603) · "
            "**1 of 3 stages drifted**: `production`") in out
    assert "`allowed_origins` has `https://*.vercel.app`, policy does not" in out
    # The incident: the backend accepts the JWT, the sessions are revoked, the same JWT is
    # refused by the session check; the JWT itself is never shown.
    incident = out[out.index("== A user signs in"):]
    accepted, revoked, refused = (incident.index("\naccepted: sub "),
                                  incident.index("\nRevoked every session of user "),
                                  incident.index("\nrefused (revoked): session "))
    assert accepted < revoked < refused
    assert not re.search(r"eyJ[A-Za-z0-9_-]{8,}", out)
    # New tokens go to files, never to the screen; nothing is left behind.
    assert "dyn_" not in out.replace("dyn_emulator", "")
    assert list(tmp_path.iterdir()) == []
    assert "Unexpected" not in out
