"""What the packaging tests share: the sdist and the wheel, built once per session from this
checkout with `python -m build`, and the Python interpreters found on this machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The versions pyproject.toml's classifiers claim. By default the suite tests the interpreter
# it runs on and the floor (requires-python); DYNSEC_TEST_PYTHONS=all tests every one an
# interpreter exists for (before a release, and when the claimed versions change).
CLAIMED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
FLOOR_PYTHON = "3.10"
_RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"
PYTHONS = (
    CLAIMED_PYTHONS if os.environ.get("DYNSEC_TEST_PYTHONS") == "all"
    else tuple(v for v in CLAIMED_PYTHONS if v in (FLOOR_PYTHON, _RUNNING))
)


# What a checkout holds besides its source: environments, caches, build output.
_NOT_SOURCE = (".git", ".venv*", "node_modules", "build", "dist", "*.egg-info", "__pycache__",
               ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis")


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path
    unpacked: Path  # the sdist, extracted


def run(*argv: str | Path, cwd: Path | None = None, timeout: float = 600,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command; its output is in the assertion message when it fails."""
    result = subprocess.run([str(arg) for arg in argv], cwd=cwd, capture_output=True,
                            text=True, timeout=timeout, check=False, env=env)
    assert result.returncode == 0, f"{argv}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    if not (REPO / "pyproject.toml").exists():
        pytest.skip("needs the project's source tree")
    out = tmp_path_factory.mktemp("dist")
    # Built from a copy: setuptools writes its release tree and egg-info into the source tree,
    # and the checkout is in use by the rest of the suite (and by other builds) meanwhile.
    source = tmp_path_factory.mktemp("source") / REPO.name
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    run(sys.executable, "-m", "build", "--outdir", out, source, timeout=900)
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    with tarfile.open(sdist) as archive:
        archive.extractall(out / "unpacked", filter="data")
    (unpacked,) = (out / "unpacked").iterdir()
    return Dists(sdist, wheel, unpacked)


def interpreter(version: str) -> str | None:
    """A working `python<version>`: on PATH, else in a pyenv tree (PYENV_ROOT or ~/.pyenv)."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    candidates = [shutil.which(f"python{version}")]
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += sorted(str(path) for path in root.glob(f"{version}.*/bin/python{version}"))
    for candidate in candidates:
        if candidate is None:
            continue
        probe = subprocess.run([candidate, "--version"], capture_output=True, text=True,
                               timeout=60, check=False)
        if probe.returncode == 0:
            return candidate
    return None
