"""The policy file's JSON Schema, generated from the models.

It is as strict as the loader wherever JSON Schema can say it: the models carry the patterns
(origins, durations with their ranges, ids, names, webhook and JWKS urls), enums and
`uniqueItems`; three facts the models do not hold are added here, from the module that owns
each: the rule ids a waiver may name (`rules.catalog`), the loader's cross-check that a stage
requiring MFA at login lists a method (stated for a stage's own `mfa` only: one in `defaults`
may be completed by the stage), and that enabled third-party sign-in has an issuer and a
JWKS url (each stated where `defaults` does not give it). What JSON Schema cannot say
(uniqueness of a key across items, comparisons between values, the merge of `defaults` into a
stage, dates relative to today, `1.0` versus `1`) stays the loader's alone;
tests/policy/test_schema_strict.py lists each case.

One file, two places, always equal (a test): `pulumi_dynamic_security/data/` inside the
installed package (`schema_text()` reads it; `dynsec schema --output FILE` copies it for an
editor), and `schemas/` in the repository, which the policy files' modeline names by URL at
the release tag (`SCHEMA_URL`), so it works outside this repository too.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from pulumi_dynamic_security._version import __version__
from pulumi_dynamic_security.policy.models import PolicyFile

SCHEMA_NAME = "dynamic-security-policy.schema.json"
SCHEMA_FILE = Path("schemas") / SCHEMA_NAME
PACKAGE_SCHEMA = Path("pulumi_dynamic_security") / "data" / SCHEMA_NAME
SCHEMA_ID = "urn:pulumi-dynamic-security:policy:1"
REPOSITORY = "dynsec-dev/pulumi-dynamic-security"
SCHEMA_URL = (
    f"https://raw.githubusercontent.com/{REPOSITORY}/v{__version__}/schemas/{SCHEMA_NAME}"
)
MODELINE = f"yaml-language-server: $schema={SCHEMA_URL}"


def policy_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a version 1 policy file."""
    schema = PolicyFile.model_json_schema(by_alias=True, mode="validation")
    definitions = schema["$defs"]
    _known_rules(definitions["Waiver"])
    _methods_for_login_mfa(definitions["Stage"])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Dynamic environment security policy (dynamic-security.yaml), version 1",
        **{key: value for key, value in schema.items() if key != "title"},
        "allOf": [_needed_for_external_auth(key) for key in ("issuer", "jwks_url")],
    }


def _known_rules(waiver: dict[str, Any]) -> None:
    from pulumi_dynamic_security.policy.rule_ids import RULE_IDS

    waiver["properties"]["rule"]["enum"] = sorted(RULE_IDS)


def _methods_for_login_mfa(stage: dict[str, Any]) -> None:
    """A stage whose own `mfa` says `require_at_login: true` and lists `methods` must list at
    least one (the stage's keys win over `defaults`, so the loader would refuse it)."""
    mfa = "The stage's own mfa"
    stage["allOf"] = [{
        "if": {
            "properties": {"mfa": {
                "description": mfa,
                "type": "object",
                "properties": {"require_at_login": {"description": "true", "const": True}},
                "required": ["require_at_login", "methods"],
            }},
            "required": ["mfa"],
        },
        "then": {"properties": {"mfa": {"description": mfa, "properties": {"methods": {
            "description": "At least one method, since the stage requires MFA at login.",
            "minItems": 1,
        }}}}},
    }]


def _needed_for_external_auth(key: str) -> dict[str, Any]:
    """A stage whose own `external_auth` says `enabled: true` sets `key` (issuer, jwks_url)
    when `defaults` cannot give it one (the loader refuses it: Dynamic needs both). With a
    `key` in `defaults` the stage may inherit it, so only the loader can judge the merge."""
    text = {"description": f"{key}, as text", "type": "string"}
    in_defaults = {"description": "defaults", "type": "object", "required": ["external_auth"],
                   "properties": {"external_auth": {
                       "description": "external_auth in defaults", "type": "object",
                       "required": [key], "properties": {key: text}}}}
    enabled = {"type": "object", "required": ["external_auth"], "properties": {
        "external_auth": {"description": "The stage's own external_auth", "type": "object",
                          "required": ["enabled"],
                          "properties": {"enabled": {"description": "true", "const": True}}}}}
    return {
        "description": f"external_auth enabled in a stage needs {key}",
        "if": {"required": ["defaults"], "properties": {"defaults": in_defaults}},
        "else": {"properties": {"stages": {"description": "Every stage", "additionalProperties": {
            "if": enabled,
            "then": {"properties": {"external_auth": {
                "description": "The stage's own external_auth", "required": [key],
                "properties": {key: text}}}},
        }}}},
    }


def render_schema() -> str:
    """The schema as committed: indented JSON with a final newline."""
    return json.dumps(policy_schema(), indent=2, ensure_ascii=False) + "\n"


def schema_text() -> str:
    """The schema shipped inside the installed package."""
    return (resources.files("pulumi_dynamic_security") / "data" / SCHEMA_NAME).read_text(
        encoding="utf-8"
    )
