"""The committed JSON Schema (`schemas/dynamic-security-policy.schema.json`): current, fully
described, and in agreement with the loader on the example policy."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from pulumi_dynamic_security._version import __version__
from pulumi_dynamic_security.cli.main import run
from pulumi_dynamic_security.policy.schema import (
    MODELINE,
    PACKAGE_SCHEMA,
    REPOSITORY,
    SCHEMA_FILE,
    render_schema,
    schema_text,
)

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / SCHEMA_FILE
EXAMPLE = REPO / "examples" / "dynamic-security.yaml"


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(COMMITTED.read_text(encoding="utf-8"))
    return schema


def as_json_values(node: Any) -> Any:
    """YAML data as an editor's YAML 1.2 language server sees it: dates are strings."""
    if isinstance(node, dict):
        return {str(key): as_json_values(value) for key, value in node.items()}
    if isinstance(node, list):
        return [as_json_values(value) for value in node]
    if isinstance(node, (dt.date, dt.datetime)):
        return node.isoformat()
    return node


def _example() -> dict[str, Any]:
    data: dict[str, Any] = as_json_values(YAML(typ="safe", pure=True).load(EXAMPLE))
    return data


def test_committed_schema_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render_schema(), (
        f"{SCHEMA_FILE} is stale: run `dynsec schema > {SCHEMA_FILE}` and commit it"
    )


def test_schema_check_passes_on_the_repository(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    assert run(["schema", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_schema_check_fails_on_a_stale_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = json.loads(render_schema())
    stale["properties"]["version"]["description"] = "an older description"
    copy_path = tmp_path / "schema.json"
    copy_path.write_text(json.dumps(stale, indent=2) + "\n", encoding="utf-8")

    assert run(["schema", "--check", "--path", str(copy_path)]) == 1
    assert "stale" in capsys.readouterr().err


def test_schema_check_fails_when_the_file_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["schema", "--check", "--path", str(tmp_path / "absent.json")]) == 1
    assert "missing" in capsys.readouterr().err


def test_schema_prints_what_is_committed(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["schema"]) == 0
    assert capsys.readouterr().out == COMMITTED.read_text(encoding="utf-8")


def _properties(node: Any, where: str = "#") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for name, value in (node.get("properties") or {}).items():
            yield f"{where}/properties/{name}", value
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _properties(value, f"{where}/{index}")


def test_every_property_has_a_description() -> None:
    properties = list(_properties(_schema()))
    assert len(properties) > 30
    undescribed = [where for where, value in properties if not value.get("description")]
    assert undescribed == []


def test_every_definition_has_a_description() -> None:
    definitions = _schema()["$defs"]
    assert [name for name, value in definitions.items() if not value.get("description")] == []


def test_the_example_policy_validates_against_the_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(_schema())
    jsonschema.Draft202012Validator(_schema()).validate(_example())


def test_the_schema_rejects_what_the_loader_rejects() -> None:
    validator = jsonschema.Draft202012Validator(_schema())
    typo = copy.deepcopy(_example())
    typo["stages"]["production"]["jwt_lifetme"] = "2h"
    assert not validator.is_valid(typo)
    bad_duration = copy.deepcopy(_example())
    bad_duration["defaults"]["jwt_lifetime"] = "12x"
    assert not validator.is_valid(bad_duration)
    stage_key_in_defaults = copy.deepcopy(_example())
    stage_key_in_defaults["defaults"]["environment_id"] = (
        "0c000000-0000-4000-8000-000000000009"
    )
    assert not validator.is_valid(stage_key_in_defaults)
    bad_stage_name = copy.deepcopy(_example())
    bad_stage_name["stages"]["my stage"] = bad_stage_name["stages"].pop("dev")
    assert not validator.is_valid(bad_stage_name)


def test_the_example_points_editors_at_the_schema() -> None:
    """By a URL of this repository at the release tag, so the modeline works wherever the
    file is copied; the URL's path is the committed schema."""
    first_line = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == f"# {MODELINE}"
    url = first_line.split("$schema=", 1)[1].strip()
    prefix = f"https://raw.githubusercontent.com/{REPOSITORY}/v{__version__}/"
    assert url.startswith(prefix)
    target = (REPO / url.removeprefix(prefix)).resolve()
    assert target == COMMITTED.resolve()


def test_the_repository_named_is_the_one_the_package_metadata_names() -> None:
    import re

    metadata = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    (repository,) = re.findall(r'^Repository = "([^"]+)"$', metadata, re.MULTILINE)
    assert repository == f"https://github.com/{REPOSITORY}"


def test_the_package_ships_the_committed_schema() -> None:
    assert schema_text() == COMMITTED.read_text(encoding="utf-8")
    assert (REPO / PACKAGE_SCHEMA).read_text(encoding="utf-8") == render_schema()


def test_schema_output_writes_it_for_an_editor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / ".dynsec" / "policy.schema.json"
    target.parent.mkdir()

    assert run(["schema", "--output", str(target)]) == 0
    assert run(["schema", "-o", str(tmp_path / "again.json")]) == 0

    assert target.read_text(encoding="utf-8") == schema_text()
    assert (tmp_path / "again.json").read_text(encoding="utf-8") == schema_text()
    assert capsys.readouterr().out == ""
