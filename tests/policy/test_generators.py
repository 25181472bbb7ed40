"""The policy generators draw every area the policy file has.

The areas are walked from `policy.areas` (`AREAS` and the keys of `AreaKeys`), so an area
added there fails these tests until tests/policy/strategies.py draws it (and the fuzzer of
tests/fuzz feeds it to the loader): the properties of the policy (dump and reload, loader
against schema) would otherwise never see it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pulumi_dynamic_security.errors import PolicyFileError
from pulumi_dynamic_security.policy.areas import AREAS, AreaKeys
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from tests.fuzz.test_loader_fuzz import areas as fuzzed_areas
from tests.policy.strategies import policies, settings_areas

DRAWS = 60
EVERY_AREA = {*AREAS, *AreaKeys.model_fields}


def _seen_over_draws(
    strategy: st.SearchStrategy[Any], seen_in: Callable[[Any], Iterable[str]]
) -> set[str]:
    seen: set[str] = set()

    @settings(max_examples=DRAWS, database=None, deadline=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def draw(value: Any) -> None:
        seen.update(seen_in(value))

    draw()
    return seen


def _managed(document: dict[str, Any]) -> set[str]:
    """The areas some stage of `document` manages, when the loader accepts it."""
    try:
        policy = SecurityPolicy.from_text(json.dumps(document), "generated.json")
    except PolicyFileError:
        return set()
    return {area for name in policy.stages for area in AREAS
            if policy.stage(name).manages(area)}


def _written(areas: dict[str, Any]) -> set[str]:
    return {key for key, value in areas.items() if value is not None}


def test_the_areas_are_the_keys_of_the_model() -> None:
    assert set(AREAS) == set(AreaKeys.model_fields)


def test_generated_policies_manage_every_area() -> None:
    assert EVERY_AREA - _seen_over_draws(policies(), _managed) == set()


def test_generated_defaults_and_stages_write_every_area() -> None:
    assert EVERY_AREA - _seen_over_draws(settings_areas, _written) == set()


def test_the_fuzzer_writes_every_area() -> None:
    assert EVERY_AREA - _seen_over_draws(fuzzed_areas(), _written) == set()
