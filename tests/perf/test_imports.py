"""Cheap start-up: the commands that never talk to the API, and the package itself, import
none of the heavy stacks (pulumi and its gRPC, deepdiff, the emulator's server stack, the HTTP
client). Each case runs in a fresh interpreter with `-X importtime`; a failure names the
heavy module and shows the chain of imports that pulled it in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = "examples/dynamic-security.yaml"

# Top-level packages that must stay out of the cheap paths.
HEAVY = frozenset({
    "pulumi", "grpc", "dill", "google",  # the Pulumi SDK and what it brings
    "deepdiff", "orderly_set",  # the differ (only plan, apply, drift compare)
    "starlette", "uvicorn", "anyio",  # the emulator's server stack
    "httpx", "httpcore", "h11", "certifi",  # the HTTP client (only commands that call the API)
})

_PROBE = """
import json, sys
result = sys.argv[1]
code = sys.argv[2]
exec(code)
with open(result, "w") as out:
    json.dump(sorted(sys.modules), out)
"""


def _imported(code: str, tmp_path: Path) -> tuple[set[str], str]:
    """Top-level packages imported by `code` in a fresh interpreter, and the importtime log."""
    result = tmp_path / "modules.json"
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _PROBE, str(result), code],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.exists(), f"the probe failed:\n{completed.stderr[-3000:]}"
    modules = json.loads(result.read_text())
    return {name.split(".")[0] for name in modules}, completed.stderr


def _chain(importtime: str, package: str) -> str:
    """The importtime lines from the first import of `package` up to the top-level import
    that caused it (importtime lists a module after everything it imported)."""
    lines = [line for line in importtime.splitlines() if line.startswith("import time:")]
    for i, line in enumerate(lines):
        name = line.rsplit("|", 1)[-1]
        if name.strip().split(".")[0] == package:
            depth = len(name) - len(name.lstrip())
            chain = [line]
            for later in lines[i + 1:]:
                later_name = later.rsplit("|", 1)[-1]
                later_depth = len(later_name) - len(later_name.lstrip())
                if later_depth < depth:
                    chain.append(later)
                    depth = later_depth
                if depth <= 1:
                    break
            return "\n".join(chain)
    return "(not in the importtime log)"


def _assert_light(code: str, tmp_path: Path, *, also: frozenset[str] = frozenset()) -> None:
    imported, importtime = _imported(code, tmp_path)
    heavy = sorted(imported & (HEAVY | also))
    assert not heavy, "heavy imports on a cheap path:\n" + "\n\n".join(
        f"{package}:\n{_chain(importtime, package)}" for package in heavy
    )


def _cli(*args: str) -> str:
    return (
        "from pulumi_dynamic_security.cli.main import run\n"
        f"rc = run({list(args)!r})\n"
        "assert rc in (0, 1), rc\n"
    )


def test_importing_the_package_imports_no_heavy_stack(tmp_path: Path) -> None:
    # Not even pydantic: the package's top level holds the version and lazy names only.
    _assert_light("import pulumi_dynamic_security", tmp_path, also=frozenset({"pydantic"}))


def test_the_lazy_policy_name_loads_without_pulumi(tmp_path: Path) -> None:
    _assert_light(
        "import pulumi_dynamic_security as p\n"
        f"p.SecurityPolicy.load({EXAMPLE!r})\n"
        "assert 'SecurityPolicy' in dir(p)\n",
        tmp_path,
    )


def test_dynsec_help_imports_no_heavy_stack(tmp_path: Path) -> None:
    _assert_light(_cli("--help"), tmp_path, also=frozenset({"pydantic", "ruamel"}))


def test_dynsec_validate_imports_no_heavy_stack(tmp_path: Path) -> None:
    _assert_light(_cli("validate", EXAMPLE), tmp_path)


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_dynsec_validate_reports_import_no_heavy_stack(tmp_path: Path, output_format: str) -> None:
    _assert_light(_cli("validate", EXAMPLE, "--format", output_format), tmp_path)


def test_dynsec_rules_imports_no_heavy_stack(tmp_path: Path) -> None:
    _assert_light(_cli("rules"), tmp_path)


def test_the_probe_does_see_heavy_imports(tmp_path: Path) -> None:
    """The guard itself works: a path that needs the HTTP client is reported."""
    imported, importtime = _imported(
        "import pulumi_dynamic_security.api.client", tmp_path
    )
    assert "httpx" in imported
    assert "pulumi_dynamic_security.api.client" in _chain(importtime, "httpx")


def test_the_pulumi_providers_load_without_the_http_client_or_yaml(tmp_path: Path) -> None:
    """The provider host imports the providers for every deployment, and check and diff never
    call the API: the HTTP stack loads with the first client, YAML never (the program, not
    the host, reads the policy file)."""
    imported, importtime = _imported(
        "import pulumi_dynamic_security.providers, pulumi_dynamic_security.component",
        tmp_path,
    )
    assert "pulumi" in imported
    unexpected = sorted(imported & {"httpx", "httpcore", "h11", "ruamel", "deepdiff",
                                    "starlette", "uvicorn"})
    assert not unexpected, "\n\n".join(
        f"{package}:\n{_chain(importtime, package)}" for package in unexpected
    )


def test_the_verify_module_imports_nothing_heavy(tmp_path: Path) -> None:
    """A backend imports it at start-up: the HTTP client and the crypto stack load with the
    first JWKS fetch, the policy loader with `from_policy`, click never."""
    _assert_light(
        "from pulumi_dynamic_security.verify import DynamicJwtVerifier, JwtRejected, "
        "verify_webhook_signature\n"
        "DynamicJwtVerifier('0c000000-0000-4000-8000-000000000002')\n",
        tmp_path,
        also=frozenset({"cryptography", "jwt", "pydantic", "ruamel", "click"}),
    )
