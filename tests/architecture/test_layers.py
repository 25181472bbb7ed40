"""Dependencies run one way (docs/architecture.md#dependencies-run-one-way), read from every
import statement of the package (function-level and `TYPE_CHECKING` ones included):

    base <- policy <- rules <- mapping <- service <- providers <- component
                                  ^          ^
    base <- api ------------------+----------+--- cli (also the emulator and verify)
    base <- emulator
    policy, api <- verify (what a backend imports to check Dynamic's JWTs)
    cli, api <- github (the GitHub Action: it runs the CLI and renders its marker)

`base` is the package's top-level modules that serve everyone (errors, escaping, clock, ...);
`api` and `emulator` stand beside the layers and import only `base`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pulumi_dynamic_security"
NAME = PACKAGE.name

BASE = {
    "_version", "exit_codes", "errors", "redaction", "escaping", "bounded_json", "clock",
    "scopes", "vocabulary", "suggestions", "digests", "diffing",
}
# What each part may import besides itself (and `base`, which every part may import).
ALLOWED: dict[str, set[str]] = {
    "base": set(),
    "api": set(),
    "emulator": set(),
    "policy": set(),
    "rules": {"policy"},
    "mapping": {"rules", "policy", "api"},
    "service": {"mapping", "rules", "policy", "api"},
    "providers": {"service", "mapping", "rules", "policy", "api"},
    "component": {"providers", "service", "mapping", "rules", "policy"},
    "verify": {"policy", "api"},
    "cli": {"service", "mapping", "rules", "policy", "api", "emulator", "verify"},
    "github": {"cli", "api"},
    "root": set(),  # the package's __init__: its lazy names are strings, not imports
}


def part_of(module: str) -> str:
    """`pulumi_dynamic_security.service.plan` -> `service`; a top-level module of `BASE` ->
    `base`."""
    parts = module.split(".")
    if parts == [NAME]:
        return "root"
    head = parts[1]
    if head in BASE:
        return "base"
    return head


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of the package in `path`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == NAME:  # `from pulumi_dynamic_security import clock`
                found.extend((node.lineno, f"{NAME}.{alias.name}") for alias in node.names)
            elif node.module.startswith(f"{NAME}."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names
                         if alias.name.startswith(f"{NAME}."))
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_part_of_the_package_has_a_place_in_the_layers() -> None:
    assert {part_of(module_name(path)) for path in SOURCES} <= set(ALLOWED)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_one_way(path: Path) -> None:
    own = part_of(module_name(path))
    wrong = [
        f"{path.relative_to(PACKAGE)}:{line} imports {target} ({part_of(target)})"
        for line, target in imports_of(path)
        if part_of(target) not in {own, "base", *ALLOWED[own]}
    ]
    assert not wrong, "; ".join(wrong)


def test_the_policy_knows_nothing_of_the_rules_and_diffing_nothing_of_the_package() -> None:
    for path in (PACKAGE / "policy").rglob("*.py"):
        assert not [t for _, t in imports_of(path) if part_of(t) == "rules"], path
    assert imports_of(PACKAGE / "diffing.py") == []
