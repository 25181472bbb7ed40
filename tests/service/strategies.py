"""Hypothesis strategies for live environments: what Dynamic (and the emulator) may hold.

`security_sections(unknown_types=...)` draws `settings.security`: JWT durations in every unit,
storage lists (absent, empty, either, both, repeated), MFA with methods, actions, login
requirement and backup codes in every combination, optionally with method types this tool
does not know (the emulator refuses those, so only the pure tests use them).
`origin_sets()` draws distinct origins (after normalization) the emulator accepts: mixed
case, default and explicit ports, wildcards, extension schemes.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from pulumi_dynamic_security.policy.hosts import ends_in_number
from pulumi_dynamic_security.policy.origins import normalize_origin
from pulumi_dynamic_security.vocabulary import MFA_ACTIONS, MFA_METHODS

UNKNOWN_METHOD_TYPES = ("sms", "webauthn-v2")
_UNIT_MAX = {"minutes": 30 * 24 * 60, "hours": 30 * 24, "days": 30}
maybe_bool = st.one_of(st.none(), st.booleans())


@st.composite
def jwt_durations(draw: st.DrawFn) -> dict[str, Any]:
    unit = draw(st.sampled_from(sorted(_UNIT_MAX)))
    return {"amount": draw(st.integers(1, _UNIT_MAX[unit])), "unit": unit}


storage_lists = st.sampled_from([
    [], ["cookie"], ["localstorage"], ["cookie", "localstorage"], ["localstorage", "cookie"],
    ["cookie", "cookie"],
])


@st.composite
def mfa_sections(draw: st.DrawFn, *, unknown_types: bool = False) -> dict[str, Any]:
    kinds = MFA_METHODS + (UNKNOWN_METHOD_TYPES if unknown_types else ())
    methods = []
    for kind in draw(st.lists(st.sampled_from(kinds), unique=True, max_size=len(kinds))):
        method: dict[str, Any] = {"type": kind, "enabled": draw(st.booleans())}
        codes = draw(maybe_bool)
        if codes is not None:
            method["allowBackupCodes"] = codes
        methods.append(method)
    actions = [
        {"action": action, "required": draw(st.booleans())}
        for action in draw(st.lists(st.sampled_from(MFA_ACTIONS), unique=True))
    ]
    section: dict[str, Any] = {"availableMethods": ["totp", "passkey"], "methods": methods,
                               "actions": actions}
    for key in ("enabled", "required"):
        value = draw(maybe_bool)
        if value is not None:
            section[key] = value
    return section


@st.composite
def security_sections(draw: st.DrawFn, *, unknown_types: bool = False) -> dict[str, Any]:
    """`settings.security`; a key drawn as absent is left out."""
    security: dict[str, Any] = {"hCaptcha": {"enabled": False}}
    if draw(st.integers(0, 9)):  # mostly present
        security["jwtDuration"] = draw(jwt_durations())
    if draw(st.integers(0, 4)):
        security["auth"] = {"storage": draw(storage_lists)}
    if draw(st.integers(0, 4)):
        security["mfa"] = draw(mfa_sections(unknown_types=unknown_types))
    return security


_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                 min_size=1, max_size=8)


@st.composite
def origins(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["https", "http", "chrome-extension", "moz-extension"]))
    # a host whose last label is a number is an IPv4 address to a browser (and refused unless
    # it is one): those have their own tests (tests/policy/test_origin_table.py)
    labels = draw(st.lists(_LABEL, min_size=1, max_size=3).filter(
        lambda labels: not ends_in_number(labels[-1])))
    wildcard = draw(st.integers(0, 3)) == 0
    if wildcard:
        labels = ["*", *labels]
    ports = ["", "", ":443", ":80", ":8080", ":3000"] + ([] if wildcard else [":*"])
    port = draw(st.sampled_from(ports))  # at most one `*` in all (Dynamic's limit)
    return f"{scheme}://{'.'.join(labels)}{port}"


def origin_sets(max_size: int = 5) -> st.SearchStrategy[list[str]]:
    """Origins distinct after normalization (the API refuses duplicates)."""
    return st.lists(origins(), max_size=max_size, unique_by=normalize_origin)
