"""A stage's production flag, when the policy does not declare it, comes from its name
(docs/policy.md#stages-and-defaults): `prod`, `production` and `live`, alone or followed by
`-`, `_` or `.`. A stage that is production by that reading gets production's severities, so a
localhost origin blocks it; a name that only resembles one does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Capture, dynsec, write_policy

PRODUCTION_NAMES = ["prod", "PROD", "production", "live", "prod-eu", "Prod_US", "production-2",
                    "live.b", "production_us", "prod.eu-west-1"]
OTHER_NAMES = ["products", "liveness", "preprod", "prod2", "dev", "staging", "stage-prod",
               "productionx", "livestream"]


def _stage_is_production(workdir: Path, capsys: Capture, name: str) -> tuple[bool, int]:
    path = write_policy(workdir, f"""version: 1
stages:
  {name}:
    environment_id: 0c000000-0000-4000-8000-000000000002
    allowed_origins: ["http://localhost:3000"]
""")
    result = dynsec(capsys, "validate", path, "--format", "json")
    (stage,) = result.json()["results"]
    return stage["production"], result.code


@pytest.mark.parametrize("name", PRODUCTION_NAMES)
def test_a_production_name_or_prefix_makes_the_stage_production(
    tmp_path: Path, capsys: Capture, name: str
) -> None:
    production, code = _stage_is_production(tmp_path, capsys, name)
    assert production is True
    assert code == 1  # DS103: a localhost origin is an error in production


@pytest.mark.parametrize("name", OTHER_NAMES)
def test_a_name_that_only_resembles_one_is_not(
    tmp_path: Path, capsys: Capture, name: str
) -> None:
    production, code = _stage_is_production(tmp_path, capsys, name)
    assert production is False
    assert code == 0
