"""Every area the policy declares is complete everywhere it must be (CONTRIBUTING.md, "Adding
an area"): in the policy's models and values, in the area registry with the right kind, in
the rule catalogue with rule cases, in the malformed-policy corpus, in the committed JSON
Schema, in the README's policy reference, and in the Pulumi resources' inputs. A forgotten
entry fails here, not as an internal error, a damaged saved plan, or an area silently
missing from `export`.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from pathlib import Path

import pytest

from pulumi_dynamic_security import providers
from pulumi_dynamic_security.errors import PolicyFileError
from pulumi_dynamic_security.mapping import registry
from pulumi_dynamic_security.mapping.area import AreaMapping, EndpointArea, SettingsArea
from pulumi_dynamic_security.policy.areas import (
    AREAS,
    ENDPOINT_AREAS,
    SETTINGS_AREAS,
    AreaKeys,
    AreaValues,
)
from pulumi_dynamic_security.policy.schema import SCHEMA_FILE
from pulumi_dynamic_security.policy.source import parse_source
from pulumi_dynamic_security.providers.settings import (
    SecuritySettings,
    SecuritySettingsArgs,
    SecuritySettingsProvider,
)
from pulumi_dynamic_security.rules.catalog import RULES
from tests.policy.test_malformed import load_cases
from tests.support.dated import fill_dates

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "rules" / "cases"
MAPPING_DOCS = REPO / "docs" / "mapping.md"


def test_the_policy_declares_each_area_once_in_its_models_and_values() -> None:
    assert (*SETTINGS_AREAS, *ENDPOINT_AREAS) == AREAS
    assert tuple(AreaKeys.model_fields) == AREAS
    assert tuple(f.name for f in dataclasses.fields(AreaValues)) == AREAS


def test_the_registry_has_every_area_of_the_policy_in_its_order_and_kind() -> None:
    assert tuple(area.name for area in registry.SETTINGS) == SETTINGS_AREAS
    assert tuple(area.name for area in registry.ENDPOINTS) == ENDPOINT_AREAS
    assert all(isinstance(area, SettingsArea) for area in registry.SETTINGS)
    assert all(isinstance(area, EndpointArea) for area in registry.ENDPOINTS)
    assert [registry.area(name).name for name in AREAS] == list(AREAS)


@pytest.mark.parametrize("name", AREAS)
def test_each_area_has_rules_with_cases(name: str) -> None:
    rules = [rule.id for rule in RULES if rule.area == name]
    assert rules, f"no rule in rules/catalog.py judges {name}"
    with_cases = [rule_id for rule_id in rules if (CASES / f"{rule_id}.yaml").exists()]
    assert with_cases, f"none of {name}'s rules ({', '.join(rules)}) has tests/rules/cases"


def _lines_of_area(text: str, name: str) -> set[int]:
    """The lines a policy text writes inside area `name` (in defaults or in a stage)."""
    try:
        source = parse_source(text, "case.yaml")
    except PolicyFileError:
        return set()
    return {
        line for path, line in source.lines.items()
        if path[:2] == ("defaults", name) or (path[:1] == ("stages",) and path[2:3] == (name,))
    }


@pytest.mark.parametrize("name", AREAS)
def test_each_area_has_malformed_cases_that_fail_inside_it(name: str) -> None:
    failing_inside = [
        case.name for case in load_cases()
        if case.line in _lines_of_area(fill_dates(case.path.read_text(encoding="utf-8")), name)
    ]
    assert failing_inside, f"no case in tests/policy/malformed fails on a line of {name}"


@pytest.mark.parametrize("name", AREAS)
def test_each_area_is_in_the_committed_schema_with_a_description(name: str) -> None:
    schema = json.loads((REPO / SCHEMA_FILE).read_text(encoding="utf-8"))
    for model in ("Defaults", "Stage"):
        prop = schema["$defs"][model]["properties"].get(name)
        assert prop is not None, f"{name} is missing from {model} in {SCHEMA_FILE}"
        assert prop.get("description"), f"{model}.{name} has no description in the schema"


def _readme_policy_reference() -> tuple[str, str]:
    """The README's policy shape (the YAML block with `stages:`) and its paragraph on
    unmanaged areas."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The policy file", 1)[1].split("\n## ", 1)[0]
    shape = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    unmanaged = re.search(r"\*\*Unmanaged areas\.\*\*(.*?)\n\n", section, re.DOTALL)
    assert shape is not None and unmanaged is not None
    return shape.group(1), unmanaged.group(1)


@pytest.mark.parametrize("name", AREAS)
def test_each_area_is_in_the_readme_policy_reference(name: str) -> None:
    shape, unmanaged = _readme_policy_reference()
    assert re.search(rf"^\s+{name}:", shape, re.MULTILINE), f"README's policy shape lacks {name}"
    assert f"`{name}`" in unmanaged, f"README's 'Unmanaged areas' does not name {name}"


@pytest.mark.parametrize("name", SETTINGS_AREAS)
def test_each_settings_area_is_an_input_and_an_output_of_security_settings(name: str) -> None:
    assert name in {f.name for f in dataclasses.fields(SecuritySettingsArgs)}
    assert name in inspect.get_annotations(SecuritySettings)  # its outputs
    assert name in SecuritySettingsProvider.area_inputs
    assert name in SecuritySettingsProvider.rule_areas


@pytest.mark.parametrize("area", registry.ENDPOINTS, ids=lambda area: area.name)
def test_each_endpoint_area_has_its_own_pulumi_resource(area: EndpointArea) -> None:
    assert area.resource in providers.__all__
    provider = getattr(providers, f"{area.resource}Provider")
    assert area.name in provider.rule_areas


@pytest.mark.parametrize("area", registry.ALL, ids=lambda area: area.name)
def test_each_area_points_at_its_documentation(area: AreaMapping) -> None:
    docs = area.docs
    assert re.fullmatch(r"docs/mapping\.md#[a-z0-9_-]+", docs)
    if not MAPPING_DOCS.exists():
        pytest.skip("docs/mapping.md is not in this checkout")
    headings = {
        re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in MAPPING_DOCS.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    }
    assert docs.split("#", 1)[1] in headings
