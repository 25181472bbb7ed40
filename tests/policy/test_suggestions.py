"""'Did you mean ...?' points at the name the user most likely meant."""

from __future__ import annotations

import pytest

from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.suggestions import closest, did_you_mean

STAGES = ["dev", "staging", "production"]


@pytest.mark.parametrize(("typed", "meant"), [
    ("prod", "production"),       # an abbreviation
    ("stagin", "staging"),        # a typo
    ("Production", "production"),  # a case slip
])
def test_the_likely_name_is_suggested(typed: str, meant: str) -> None:
    assert closest(typed, STAGES) == meant


def test_nothing_close_lists_the_valid_names() -> None:
    assert closest("x", STAGES) is None
    assert did_you_mean("x", STAGES) == "; valid: dev, production, staging"


def test_an_unknown_stage_suggests_the_stage_it_abbreviates() -> None:
    policy = SecurityPolicy.from_text(
        "version: 1\nstages:\n  production:\n"
        "    environment_id: 0c000000-0000-4000-8000-000000000002\n"
    )
    with pytest.raises(InputError, match="did you mean 'production'"):
        policy.stage("prod")
