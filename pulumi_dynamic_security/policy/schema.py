"""The policy file's JSON Schema, generated from the models (committed under `schemas/`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pulumi_dynamic_security.policy.models import PolicyFile

SCHEMA_FILE = Path("schemas") / "dynamic-security-policy.schema.json"
SCHEMA_ID = "urn:pulumi-dynamic-security:policy:1"


def policy_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a version 1 policy file."""
    schema = PolicyFile.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Dynamic environment security policy (dynamic-security.yaml), version 1",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def render_schema() -> str:
    """The schema as committed: indented JSON with a final newline."""
    return json.dumps(policy_schema(), indent=2, ensure_ascii=False) + "\n"
