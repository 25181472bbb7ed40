"""Booleans are YAML 1.2's `true` and `false`, and `version` is the integer 1: nothing else is
coerced. Every boolean field of the models (found by walking them, so a new one is covered
the day it is added) is written with every spelling a lax reader would take for a boolean,
and each must be exit 3 from `dynsec validate` with the field's `file:line`.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from pulumi_dynamic_security.policy.loader import SecurityPolicy, unwrap_annotation
from pulumi_dynamic_security.policy.models import PolicyFile
from tests.support.cli import dynsec, write_policy

ENV = "0c000000-0000-4000-8000-000000000001"
# What YAML 1.1, pydantic's lax mode or a careless hand would read as a boolean.
NOT_BOOLEANS = [
    "yes", "no", "Yes", "NO", "on", "off", "On", "OFF", "y", "n", "Y", "N", "0", "1",
    '"true"', "'false'", '"off"', '""', "1.0", "tRuE", "[]", "{}", "[true]",
]
NOT_VERSION_ONE = ['"1"', "'1'", "1.0", "1e0", "true", '""', "[1]", "{v: 1}", "2", "-1"]
# The keys a list item must also have to be valid, by the list it is in.
REQUIRED_SIBLINGS = {
    "webhooks": ["name: w", "url: https://hooks.example.com/", "events: [user.created]"],
}


def _boolean_fields(model: type[BaseModel], path: tuple[str, ...] = ()) -> Iterator[
        tuple[str, ...]]:
    """The path of every boolean field reachable from `model` (`-` marks a list item)."""
    for name, field in model.model_fields.items():
        key = field.alias or name
        inner = unwrap_annotation(field.annotation)
        if inner is bool:
            yield (*path, key)
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            yield from _boolean_fields(inner, (*path, key))
        elif typing.get_origin(inner) is dict:
            item = unwrap_annotation(typing.get_args(inner)[1])
            if isinstance(item, type) and issubclass(item, BaseModel):
                yield from _boolean_fields(item, (*path, key, "dev"))
        elif typing.get_origin(inner) is list:
            item = unwrap_annotation(typing.get_args(inner)[0])
            if isinstance(item, type) and issubclass(item, BaseModel):
                yield from _boolean_fields(item, (*path, key, "-"))


FIELDS = sorted(set(_boolean_fields(PolicyFile)))


def _document(path: tuple[str, ...], spelling: str) -> tuple[str, int]:
    """A policy with `spelling` written at `path`, and the line it is on."""
    lines = ["version: 1"]
    if path[0] != "stages":
        lines += ["stages:", "  dev:", f"    environment_id: {ENV}"]
    indent = ""
    for index, part in enumerate(path):
        last = index == len(path) - 1
        if part == "-":
            indent += "  "
            continue
        prefix = indent[:-2] + "- " if index and path[index - 1] == "-" else indent
        lines.append(f"{prefix}{part}: {spelling}" if last else f"{prefix}{part}:")
        if index >= 2 and path[index - 1] == "-":
            lines += [f"{indent}{sibling}" for sibling in REQUIRED_SIBLINGS[path[index - 2]]]
        indent += "  "
        if path[:index + 1] == ("stages", "dev"):
            lines.append(f"{indent}environment_id: {ENV}")
    line = next(i for i, text in enumerate(lines, 1) if text.endswith(f"{path[-1]}: {spelling}"))
    return "\n".join(lines) + "\n", line


def test_the_walk_finds_every_boolean_of_the_file() -> None:
    found = {".".join(p) for p in FIELDS}
    assert {"stages.dev.production", "defaults.mfa.require_at_login", "defaults.mfa.backup_codes",
            "defaults.app.embedded_wallets", "defaults.app.sms_sign_in", "defaults.app.high_value",
            "stages.dev.mfa.backup_codes", "stages.dev.app.high_value"} <= found


@pytest.mark.parametrize("spelling", ["true", "false", "True", "FALSE", "~"])
@pytest.mark.parametrize("path", FIELDS, ids=".".join)
def test_yaml_1_2_booleans_are_accepted(path: tuple[str, ...], spelling: str) -> None:
    text, _ = _document(path, spelling)
    if path[-1] == "require_at_login" and spelling.lower() == "true":
        text = text.replace("mfa:\n", "mfa:\n" + " " * (2 * path.index("mfa") + 2)
                            + "methods: [totp]\n")
    if path[-2:] == ("external_auth", "enabled") and spelling.lower() == "true":
        text = text.replace("external_auth:\n", "external_auth:\n" + " " * (
            2 * path.index("external_auth") + 2) + "issuer: auth.example.com\n" + " " * (
            2 * path.index("external_auth") + 2) + "jwks_url: https://auth.example.com/jwks\n")
    SecurityPolicy.from_text(text)


@pytest.mark.parametrize("spelling", NOT_BOOLEANS)
@pytest.mark.parametrize("path", FIELDS, ids=".".join)
def test_anything_else_is_exit_3_at_its_line(
    path: tuple[str, ...], spelling: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    text, line = _document(path, spelling)
    write_policy(tmp_path, text, "p.yaml")

    result = dynsec(capsys, "validate", "p.yaml")

    assert result.code == 3, result.err
    where = ".".join(part for part in path if part != "-").replace("webhooks.", "webhooks[0].")
    assert f"p.yaml:{line}: {where}: expected true or false, got " in result.err, result.err


@pytest.mark.parametrize("spelling", NOT_VERSION_ONE)
def test_version_is_the_integer_1(
    spelling: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    write_policy(tmp_path, f"version: {spelling}\nstages:\n  dev:\n    environment_id: {ENV}\n",
                 "p.yaml")

    result = dynsec(capsys, "validate", "p.yaml")

    assert result.code == 3, result.err
    assert "p.yaml:1: version: " in result.err, result.err
