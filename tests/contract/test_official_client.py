"""Contract test: the official JavaScript clients against the emulator over real HTTP.

`contract.mjs` calls every emulated /api/v0 route that `@dynamic-labs/sdk-api@0.0.847` has an
operation for through the client's typed methods (30 operations: environments, projects,
origins, tokens, sessions, custom hostnames, webhooks, event types, the test account, keys,
the JWKS and the SDK settings) and checks each answer against the client's own models
(FromJSON, and every member its .d.ts marks as required) and each refusal against the
documented status and body; minted JWTs are verified with Node's crypto against the JWKS and
the admin key. The newer generated client `@dynamic-labs/sdk-api-core@0.40.0` (3 operations)
then writes a settings document holding `captcha`, `environmentLocked`, `notifications`,
`deviceRegistrationRequired` and `externalAuth` (with the newer `assumeEmailVerified`) through
its `ProjectSettingsToJSON` and reads it back through its
`ProjectSettingsFromJSON` with no field lost, and sees the lock refuse the SDK settings but not
the JWKS. Its Node packages are installed here with `npm ci` (from the committed lock file)
when missing, so the test works on a fresh clone. Skipped only when `node` is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.support.ids import LIVE, SANDBOX

CONTRACT_DIR = Path(__file__).resolve().parent
PACKAGES = ("sdk-api", "sdk-api-core")
PACKAGE_DIRS = [CONTRACT_DIR / "node_modules" / "@dynamic-labs" / name for name in PACKAGES]
NPM_TIMEOUT_SECONDS = 300
RUN_TIMEOUT_SECONDS = 120


def _install_node_packages() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("node is installed but npm is not: install npm to fetch the official client")
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=CONTRACT_DIR, capture_output=True, text=True, timeout=NPM_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"`npm ci` failed in {CONTRACT_DIR}:\n{result.stdout}\n{result.stderr}")


@pytest.mark.slow
def test_official_client_against_the_emulator(emulator: EmulatorHandle) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the contract test runs the official JavaScript "
                    "client @dynamic-labs/sdk-api under Node")
    if not all((directory / "package.json").is_file() for directory in PACKAGE_DIRS):
        _install_node_packages()
    result = subprocess.run(
        [node, "contract.mjs"],
        cwd=CONTRACT_DIR,
        env={**os.environ, "DYNSEC_EMULATOR_URL": emulator.base_url,
             "DYNSEC_EMULATOR_TOKEN": emulator.token},
        capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, check=False,
    )
    print(result.stdout)  # the per-operation summary, shown with -s or on failure
    assert result.returncode == 0, f"contract failed:\n{result.stdout}\n{result.stderr}"
    assert "0 failed" in result.stdout
    assert ("30 operations of @dynamic-labs/sdk-api 0.0.847 and 3 operations of "
            "@dynamic-labs/sdk-api-core 0.40.0 exercised") in result.stdout
    assert "FAIL" not in result.stdout
    # Every route was reached over HTTP, and the log saw every status the script expects.
    log = emulator.requests()
    statuses = {entry["status"] for entry in log}
    assert {200, 201, 202, 204, 400, 401, 403, 404, 422} <= statuses
    paths = {entry["path"] for entry in log}
    for reached in ("/eventTypes", f"/sdk/{LIVE}/.well-known/jwks",
                    f"/sdk/{LIVE}/.well-known/jwks.json", f"/sdk/{SANDBOX}/settings",
                    f"/environments/{LIVE}/keys", f"/environments/{LIVE}/test/account",
                    f"/environments/{LIVE}/webhooks",
                    f"/environments/{LIVE}/users/sessions/revoke"):
        assert reached in paths, reached
