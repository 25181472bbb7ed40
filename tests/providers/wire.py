"""Property values as the engine holds them and as it puts them on the wire to a dynamic
provider: Structs, the unknown sentinel, secret wrappers (stripped for a provider that does
not accept secrets, re-marked afterwards by the engine's `annotateSecrets`), and a scanner for
credentials outside secret wrappers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc


def struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(dict(values))
    return result


def decode(value: struct_pb2.Struct) -> dict[str, Any]:
    """A Struct as the engine holds it: wire values, the unknown sentinel and secret
    wrappers kept as they are (numbers are doubles)."""
    result: dict[str, Any] = json_format.MessageToDict(value)
    return result


# The wire value of an output not known yet (during preview), as the engine sends it.
UNKNOWN: str = rpc.UNKNOWN


def secret(value: Any) -> dict[str, Any]:
    """The wire form of a secret value."""
    return {rpc._special_sig_key: rpc._special_secret_sig, "value": value}


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


def clear_occurrences(value: Any, needle: str, *, tail: int = 0, path: str = "") -> list[str]:
    """Where `needle` (or, with `tail`, its last `tail` characters) appears in `value` outside
    a secret wrapper, as paths like `.outputs.token[0]`."""
    if is_secret(value):
        return []
    if isinstance(value, dict):
        return [p for k, v in value.items()
                for p in clear_occurrences(v, needle, tail=tail, path=f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value)
                for p in clear_occurrences(v, needle, tail=tail, path=f"{path}[{i}]")]
    probe = needle[-tail:] if tail else needle
    return [path] if isinstance(value, str) and probe in value else []


def contains_secrets(value: Any) -> bool:
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secrets(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secrets(v) for v in value)
    return False


def strip_secrets(value: Any) -> Any:
    """What the engine sends a provider that does not accept secrets: plain values."""
    if is_secret(value):
        return strip_secrets(value["value"])
    if isinstance(value, dict):
        return {k: strip_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_secrets(v) for v in value]
    return value


def annotate_secrets(outs: dict[str, Any], ins: Mapping[str, Any]) -> dict[str, Any]:
    """A port of the engine's `annotateSecrets` (pkg/resource/plugin/provider_plugin.go):
    for each input key also present in the outputs, recurse when both are objects, else
    mark the output secret when the input contains a secret. Modifies and returns `outs`."""
    for key, in_value in ins.items():
        if key not in outs:
            continue
        out_value = outs[key]
        both_objects = (isinstance(out_value, dict) and not is_secret(out_value)
                        and isinstance(in_value, dict) and not is_secret(in_value))
        if both_objects:
            annotate_secrets(out_value, in_value)
        elif not is_secret(out_value) and contains_secrets(in_value):
            outs[key] = secret(out_value)
    return outs
