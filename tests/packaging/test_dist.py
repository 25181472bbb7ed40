"""The package as PyPI would get it: `python -m build`, `twine check --strict`, what the sdist
and the wheel hold, the wheel installed in a fresh virtual environment running `dynsec demo`,
and the tests run from the unpacked sdist: on the floor and the running interpreter by
default, on every Python version the metadata claims with DYNSEC_TEST_PYTHONS=all.

Slow: each builds or installs. The sdist's tests are a subset (SDIST_TESTS): the policy file,
the rules and `validate` in every output format, about 1,400 tests that need no server, no
Pulumi engine and no Node.js; the whole suite runs from the checkout in CI.
"""

from __future__ import annotations

import email.parser
import re
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from tests.packaging.conftest import (
    CLAIMED_PYTHONS,
    FLOOR_PYTHON,
    PYTHONS,
    Dists,
    interpreter,
    run,
)

# One worker builds and installs (`python -m build` writes into the source tree).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("packaging")]

SDIST_TESTS = ("tests/policy", "tests/rules", "tests/cli/test_validate.py",
               "tests/cli/test_validate_files.py", "tests/cli/test_sarif.py",
               "tests/cli/test_sarif_failures.py")
# On the interpreter the suite itself runs on, the checkout already runs every test: the
# sdist's copy only has to show it runs there too.
SDIST_SMOKE = ("tests/cli/test_validate.py",)
# What those tests import besides the package itself.
TEST_REQUIREMENTS = ("pytest>=8.0", "pytest-xdist>=3.5", "hypothesis>=6.100", "jsonschema>=4.21")


def test_twine_check_strict_passes(dists: Dists) -> None:
    result = run(sys.executable, "-m", "twine", "check", "--strict", dists.sdist, dists.wheel)
    assert result.stdout.count("PASSED") == 2


def test_the_sdist_carries_tests_schemas_examples_and_the_license(dists: Dists) -> None:
    with tarfile.open(dists.sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for expected in ("LICENSE", "README.md", ".pre-commit-hooks.yaml", ".ci/run",
                     "schemas/dynamic-security-policy.schema.json",
                     "examples/dynamic-security.yaml", "tests/conftest.py",
                     "tests/policy/malformed/origin-trailing-slash.yaml",
                     "tests/data/sarif-schema-2.1.0.json", "bench/__init__.py"):
        assert expected in names, expected
    assert not [name for name in names if "__pycache__" in name or "node_modules" in name]


def _metadata(dists: Dists) -> email.message.Message:
    with zipfile.ZipFile(dists.wheel) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(wheel.read(name).decode("utf-8"))


def test_the_wheel_ships_the_schema_and_the_license(dists: Dists) -> None:
    repo = dists.unpacked
    with zipfile.ZipFile(dists.wheel) as wheel:
        names = set(wheel.namelist())
        schema = wheel.read("pulumi_dynamic_security/data/dynamic-security-policy.schema.json")
        (license_name,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        shipped_license = wheel.read(license_name).decode("utf-8")
    assert schema.decode("utf-8") == (
        repo / "schemas" / "dynamic-security-policy.schema.json").read_text(encoding="utf-8")
    assert "Apache License" in shipped_license and "Version 2.0, January 2004" in shipped_license
    assert "END OF TERMS AND CONDITIONS" in shipped_license  # the full text, not a notice


def test_the_metadata_names_the_license_the_urls_and_the_versions_tested(dists: Dists) -> None:
    metadata = _metadata(dists)
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["License-File"] == "LICENSE"
    urls = dict(value.split(", ", 1) for value in metadata.get_all("Project-URL") or [])
    assert set(urls) == {"Homepage", "Repository", "Issues", "Documentation"}
    assert all(url.startswith("https://github.com/dynsec-dev/pulumi-dynamic-security")
               for url in urls.values())
    classifiers = metadata.get_all("Classifier") or []
    versions = [c.rsplit(" :: ", 1)[1] for c in classifiers
                if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert versions == list(CLAIMED_PYTHONS)
    assert metadata["Requires-Python"] == f">={FLOOR_PYTHON}"


@pytest.mark.parametrize("version", PYTHONS)
def test_the_wheel_runs_the_demo_and_the_sdist_tests_pass_on(
    version: str, dists: Dists, tmp_path: Path
) -> None:
    python = interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    environment = tmp_path / "venv"
    if python == sys.executable:
        venv.create(environment, with_pip=True)
    else:
        run(python, "-m", "venv", environment)
    bin_dir = environment / ("Scripts" if sys.platform == "win32" else "bin")
    pip: list[str | Path] = [bin_dir / "python", "-m", "pip", "--disable-pip-version-check",
                             "--quiet"]
    run(*pip, "install", dists.wheel, timeout=900)

    demo = run(bin_dir / "dynsec", "demo", cwd=tmp_path, timeout=300)
    assert "demo" in demo.stdout.lower()

    run(*pip, "install", *TEST_REQUIREMENTS, timeout=900)
    where = run(bin_dir / "python", "-c",
                "import pulumi_dynamic_security, sys; print(pulumi_dynamic_security.__file__, "
                "sys.version_info[:2])", cwd=dists.unpacked)
    assert where.stdout.startswith(str(dists.unpacked))  # the sdist's own copy is under test
    assert f"({version.replace('.', ', ')})" in where.stdout
    subset = SDIST_SMOKE if python == sys.executable else SDIST_TESTS
    tests = run(bin_dir / "python", "-m", "pytest", "-q", "-n", "2", "-m", "not slow",
                "-p", "no:cacheprovider", *subset, cwd=dists.unpacked, timeout=900)
    assert re.search(r"\b\d{2,} passed\b", tests.stdout), tests.stdout[-2000:]
    assert " failed" not in tests.stdout
