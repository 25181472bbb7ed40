"""What the sources promise about themselves: comments point at what a clone has (`docs/`,
or the module that implements a rule), never at documents outside the repository, and no
module grows past what one sitting can read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TREES = ("pulumi_dynamic_security", "tests", "bench", "examples")
SKIPPED_DIRS = {"node_modules", "__pycache__", ".hypothesis"}
# Built from parts, so that this file does not match itself.
OUTSIDE_CITATIONS = re.compile("SPEC" + r" §|(?<![\w-])" + "reference" + "/")
MAX_MODULE_LINES = 400


def _text_files() -> list[Path]:
    files = []
    for tree in TREES:
        for path in sorted((REPO / tree).rglob("*")):
            if not path.is_file() or SKIPPED_DIRS & set(path.relative_to(REPO).parts):
                continue
            try:
                path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            files.append(path)
    return files


def test_no_source_cites_documents_outside_the_repository() -> None:
    citing = [
        f"{path.relative_to(REPO)}:{number}"
        for path in _text_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE_CITATIONS.search(line)
    ]
    assert not citing, f"cite docs/<file>.md#<anchor> or the implementing module: {citing}"


@pytest.mark.parametrize(
    "path", sorted((REPO / "pulumi_dynamic_security").rglob("*.py")),
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_no_module_is_longer_than_one_sitting(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{lines} lines: split it by job"
