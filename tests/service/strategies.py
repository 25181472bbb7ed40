"""Hypothesis strategies for live environments: what Dynamic (and the emulator) may hold.

`security_sections(unknown_types=...)` draws `settings.security`: JWT durations in every unit,
storage lists (absent, empty, either, both, repeated), MFA with methods, actions, login
requirement and backup codes in every combination, optionally with method types this tool
does not know (the emulator refuses those, so only the pure tests use them); third-party
sign-in with members a policy can and cannot hold (and `assumeEmailVerified`), the security
e-mails (some absent), and the keys no area manages (`captcha`, `environmentLocked`,
`deviceRegistrationRequired`, a key nobody knows).
`webhook_lists(emulated=...)` draws the webhooks Dynamic may list: https and SNS urls, in
spellings a policy normalizes, events of the catalogue (`ping` among them, which a policy
cannot name), enabled or not; without `emulated`, also urls the emulator refuses.
`origin_sets()` draws distinct origins (after normalization) the emulator accepts: mixed
case, default and explicit ports, wildcards, extension schemes.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from pulumi_dynamic_security.emulator.events import EVENT_NAMES
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


_TEXTS = st.sampled_from([
    "auth.example.com", "https://auth.example.com/", "tenant:1 issuer", "", None,
    "has <html>", " padded ",
])
_JWKS_URLS = st.sampled_from([
    "https://auth.example.com/.well-known/jwks.json", "http://Auth.Example.com/keys",
    "https://auth.example.com", "https://auth.example.com:8443/jwks", "",
    "http://10.0.0.1/jwks",
])
_COOKIES = st.sampled_from(["session", "__Host-auth", "bad name", "", None])


@st.composite
def external_auth_sections(draw: st.DrawFn, *, emulated: bool = True) -> dict[str, Any]:
    """`externalAuth`; `emulated`: only what the emulator stores (no empty JWKS url)."""
    section: dict[str, Any] = {}
    jwks = _JWKS_URLS.filter(bool) if emulated else _JWKS_URLS
    for key, values in (("enabled", maybe_bool), ("iss", _TEXTS), ("aud", _TEXTS),
                        ("jwksUrl", jwks), ("cookieName", _COOKIES),
                        ("assumeEmailVerified", maybe_bool)):
        if draw(st.booleans()):
            value = draw(values)
            if value is not None or key in ("iss", "aud", "cookieName"):
                section[key] = value
    return section


_NOTIFICATIONS = ("waasPrivateKeyExport", "waasSignedTransaction", "verifiedCredentialLinked",
                  "verifiedCredentialUnlinked")


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
    if draw(st.integers(0, 2)):
        security["externalAuth"] = draw(external_auth_sections(emulated=not unknown_types))
    if draw(st.integers(0, 2)):
        security["notifications"] = {
            key: draw(st.booleans()) for key in _NOTIFICATIONS if draw(st.booleans())
        }
    if draw(st.booleans()):
        security["captcha"] = {"enabled": draw(st.booleans()), "provider": "hcaptcha"}
    for key in ("environmentLocked", "deviceRegistrationRequired"):
        if draw(st.booleans()):
            security[key] = draw(st.booleans())
    if draw(st.booleans()):
        security["futureSecurityFeature"] = {"level": draw(st.integers(0, 3))}
    return security


_EMULATED_URLS = [
    "https://hooks.example.com/dynamic", "https://hooks.example.com", "https://a.example.org/x?y=1",
    "https://xn--bcher-kva.example/in", "arn:aws:sns:us-east-1:123456789012:events",
    "https://hooks.example.com/other",
]
_REFUSED_URLS = ["http://hooks.example.com/plain", "https://10.0.0.1/in", "HTTPS://Up.Example.COM/x"]


@st.composite
def webhook_lists(draw: st.DrawFn, *, emulated: bool = True) -> list[dict[str, Any]]:
    """Webhooks as `{url, events, enabled}`, urls distinct as Dynamic lists them."""
    urls = draw(st.lists(st.sampled_from(_EMULATED_URLS + ([] if emulated else _REFUSED_URLS)),
                         unique=True, max_size=3))
    catalogue = sorted(EVENT_NAMES)
    return [
        {"url": url, "events": draw(st.lists(st.sampled_from(catalogue), min_size=1,
                                             max_size=4, unique=True)),
         "enabled": draw(st.booleans())}
        for url in urls
    ]


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
