"""Hypothesis strategies for policy files as a user writes them: every value one the loader
accepts (the combinations may still be refused: a stage requiring MFA at login whose methods
`defaults` empties, enabled third-party sign-in whose issuer a stage un-manages).

* `origins()`: origins in any case, with IDN labels, a wildcard, default or padded ports;
* `jwks_urls()`, `webhook_urls()`: http(s) JWKS urls and https webhook urls to DNS hosts
  (IDN labels, any case, default or any port as each allows, printable paths and queries),
  and SNS topic ARNs;
* `external_auth`, `notifications`, `webhook_lists()`: the areas of third-party sign-in, the
  security e-mails and webhooks (events of the emulator's catalogue; names and urls, as
  normalized, unique);
* `settings_areas`, `stage()`, `policies()`: whole policies, every area of
  `policy.areas.AREAS` among them (tests/policy/test_generators.py checks none is missed).

Live environments (what Dynamic may hold) are tests/service/strategies.py's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.emulator.events import EVENT_NAMES
from pulumi_dynamic_security.policy.areas import AREAS
from pulumi_dynamic_security.policy.hosts import ends_in_number
from pulumi_dynamic_security.policy.origins import SCHEMES
from pulumi_dynamic_security.policy.urls import normalize_webhook_url
from pulumi_dynamic_security.rules.catalog import rule_ids
from pulumi_dynamic_security.vocabulary import MFA_ACTIONS, MFA_METHODS


def _optional_keys(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


# --- origins ---------------------------------------------------------------------------------

_ASCII = "abcdefghijklmnopqrstuvwxyz0123456789"
_IDN = "äöüéèñçøåæ"  # letters whose upper case IDNA maps back to the same label


def random_case(text: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda flips: "".join(
            ch.upper() if flip else ch for ch, flip in zip(text, flips, strict=True)
        )
    )


ascii_labels = st.text(_ASCII, min_size=1, max_size=12) | st.builds(
    lambda a, b: f"{a}-{b}", st.text(_ASCII, min_size=1, max_size=5),
    st.text(_ASCII, min_size=1, max_size=5),
)
idn_labels = st.builds(
    lambda head, tail: head + tail,
    st.text(_IDN, min_size=1, max_size=3),
    st.text(_ASCII + _IDN, max_size=6),
)
labels = ascii_labels | idn_labels
# A last label that is a number makes the host an IPv4 address to a browser (tested apart).
last_labels = labels.map(lambda label: f"{label}z" if ends_in_number(label) else label)


@st.composite
def origins(draw: st.DrawFn) -> str:
    """A valid origin, written with any case, possibly with IDN labels, a wildcard and a port
    (including the scheme's default port and leading zeros)."""
    scheme = draw(st.sampled_from(SCHEMES))
    host_labels = [*draw(st.lists(labels, max_size=3)), draw(last_labels)]
    wildcard = draw(st.sampled_from(["none", "label", "port"]))
    if wildcard == "label":
        host_labels = ["*", *host_labels]
    port = ""
    if wildcard == "port":
        port = ":*"
    else:
        choice = draw(st.sampled_from(["none", "default", "any", "padded"]))
        default = {"http": 80, "https": 443}.get(scheme, 8080)
        if choice == "default":
            port = f":{default}"
        elif choice == "any":
            port = f":{draw(st.integers(1, 65535))}"
        elif choice == "padded":
            port = f":0{default}"
    text = f"{scheme}://{'.'.join(host_labels)}{port}"
    return draw(random_case(text))


UNIT_MINUTES = {"m": 1, "h": 60, "d": 24 * 60}



# --- urls, third-party sign-in, security e-mails, webhooks -----------------------------------

_TLDS = st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=10)
# A path or query: printable (what `str.isprintable` says, and no space), no fragment.
_TAILS = st.sampled_from(["", "/", "/.well-known/jwks.json", "/keys", "?kid=1", "/a?b=c&d=e",
                          "/a@b", "/dynamic/in"]) | st.builds(
    lambda lead, rest: lead + rest, st.sampled_from(["/", "?"]),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cf", "Cs", "Co", "Cn",
                                                              "Zs", "Zl", "Zp"],
                          exclude_characters="#"), max_size=20),
)


def _host(draw: st.DrawFn) -> str:
    """A DNS host Dynamic accepts: labels (ASCII or IDN) and an alphabetic top-level label."""
    return ".".join([*draw(st.lists(labels, min_size=1, max_size=3)), draw(_TLDS)])


@st.composite
def jwks_urls(draw: st.DrawFn) -> str:
    """An http(s) JWKS url (http loads; DS701 judges it), with any port."""
    scheme = draw(st.sampled_from(["https", "http"]))
    default = {"https": 443, "http": 80}[scheme]
    port = draw(st.sampled_from(["", f":{default}", f":0{default}", "any"]))
    if port == "any":
        port = f":{draw(st.integers(1, 65535))}"
    base = draw(random_case(f"{scheme}://{_host(draw)}{port}"))
    return base + draw(_TAILS)


_REGIONS = st.sampled_from(["us-east-1", "eu-central-2", "ap-southeast-10"]) | st.from_regex(
    r"[a-z]{2}(-[a-z]{1,9}){1,2}-[0-9]{1,2}", fullmatch=True)


@st.composite
def webhook_urls(draw: st.DrawFn) -> str:
    """An https url to a DNS host on port 443, or an SNS topic ARN."""
    if draw(st.integers(0, 3)) == 0:
        account = draw(st.from_regex(r"[0-9]{12}", fullmatch=True))
        topic = draw(st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True))
        return f"arn:aws:sns:{draw(_REGIONS)}:{account}:{topic}"
    port = draw(st.sampled_from(["", "", ":443", ":0443"]))
    return draw(random_case(f"https://{_host(draw)}{port}")) + draw(_TAILS)


_CLAIM_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,:!?&%@/+-"
claim_texts = st.sampled_from(["https://auth.example.com", "dynamic-prod", "a" * 255]) | st.text(
    _CLAIM_CHARACTERS + " ", min_size=1, max_size=40
).filter(lambda text: text == text.strip())
cookie_names = st.sampled_from(["session", "__Host-auth"]) | st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.!&%+-", min_size=1,
    max_size=20)


def _or_null(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly `values`, sometimes `null` (the key not managed, or un-managed by a stage)."""
    return st.one_of(values, values, values, values, st.none())


@st.composite
def external_auth(draw: st.DrawFn) -> dict[str, Any]:
    """`external_auth`: enabled mostly comes with the issuer and JWKS url it needs."""
    section: dict[str, Any] = draw(_optional_keys(
        enabled=_or_null(st.booleans()), audience=_or_null(claim_texts),
        cookie_name=_or_null(cookie_names), issuer=_or_null(claim_texts),
        jwks_url=_or_null(jwks_urls()),
    ))
    if section.get("enabled") and draw(st.integers(0, 9)):
        section.setdefault("issuer", draw(claim_texts))
        section.setdefault("jwks_url", draw(jwks_urls()))
    return section


notifications = _optional_keys(
    key_export=_or_null(st.booleans()), signed_transaction=_or_null(st.booleans()),
    credential_linked=_or_null(st.booleans()), credential_unlinked=_or_null(st.booleans()),
)
# `ping`, the test event Dynamic sends a new webhook, is no `<resource>.<action>` a policy names.
EVENTS = sorted(name for name in EVENT_NAMES if name != "ping")
webhook = st.fixed_dictionaries({
    "name": st.from_regex(r"[a-z0-9-]{1,40}", fullmatch=True),
    "url": webhook_urls(),
    "events": st.lists(st.sampled_from(EVENTS), min_size=1, max_size=4,
                       unique=True),
}, optional={"enabled": _or_null(st.booleans())})


def webhook_lists(max_size: int = 3) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Webhooks with unique names and unique urls (as the loader normalizes them)."""
    return st.lists(webhook, max_size=max_size, unique_by=(
        lambda hook: hook["name"], lambda hook: normalize_webhook_url(hook["url"])))


# --- whole policies --------------------------------------------------------------------------

_STAGE_NAMES = ["dev", "staging", "production", "prod", "qa", "preview-1", "live"]
_SCOPES = ["environment.settings.read", "environment.settings.write",
           "environment.apiTokens.read", "environment.apiTokens.write"]


def _duration_text(low: int, high: int) -> st.SearchStrategy[str]:
    """A duration between `low` and `high` minutes, written in a unit that divides it."""
    def spell(minutes: int, unit: str) -> str:
        size = UNIT_MINUTES[unit]
        return f"{minutes // size}{unit}" if minutes % size == 0 else f"{minutes}m"
    return st.builds(spell, st.integers(low, high), st.sampled_from(sorted(UNIT_MINUTES)))


mfa = _optional_keys(
    methods=st.lists(st.sampled_from(MFA_METHODS), unique=True),
    require_at_login=st.booleans(),
    require_for_actions=st.lists(st.sampled_from(MFA_ACTIONS), unique=True),
    backup_codes=st.booleans(),
)


@st.composite
def api_token(draw: st.DrawFn) -> dict[str, Any]:
    rotate = draw(st.integers(1, 400 * 24 * 60))
    token: dict[str, Any] = {
        "name": draw(st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True)),
        "scopes": draw(st.lists(st.sampled_from(_SCOPES), min_size=1, unique=True)),
        "rotate_every": f"{rotate}m" if rotate % 60 else f"{rotate // 60}h",
    }
    if draw(st.booleans()):
        token["overlap"] = f"{draw(st.integers(0, rotate - 1))}m"
    return token


settings_areas = _optional_keys(
    jwt_lifetime=_duration_text(1, 30 * 24 * 60),
    token_storage=st.sampled_from(["cookie", "localstorage"]),
    mfa=mfa,
    external_auth=external_auth(),
    notifications=notifications,
    allowed_origins=st.lists(origins(), max_size=4),
    api_tokens=st.lists(api_token(), max_size=3, unique_by=lambda token: token["name"]),
    webhooks=webhook_lists(),
    app=_optional_keys(
        embedded_wallets=st.booleans(), sms_sign_in=st.booleans(), high_value=st.booleans()
    ),
    limits=_optional_keys(
        production_jwt_max=_duration_text(1, 60 * 24 * 60),
        wallet_jwt_max=_duration_text(1, 60 * 24 * 60),
        token_rotation_max=_duration_text(1, 400 * 24 * 60),
    ),
)


@st.composite
def stage(draw: st.DrawFn, environment_id: str) -> dict[str, Any]:
    body = dict(draw(settings_areas))
    body["environment_id"] = environment_id
    for area in draw(st.lists(st.sampled_from(AREAS), max_size=2, unique=True)):
        body[area] = None  # `key: null` un-manages what defaults would give
    if draw(st.booleans()):
        body["production"] = draw(st.booleans())
    if draw(st.booleans()):
        body["token_env"] = draw(st.sampled_from(["DYNAMIC_API_TOKEN", "DYN_PROD_TOKEN"]))
    return body


# Printable text: YAML folds control characters and line separators (NEL, U+2028) into
# line breaks, which no reason needs.
_REASONS = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=30
).filter(lambda text: text.strip() != "")


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(_STAGE_NAMES), min_size=1, max_size=3, unique=True))
    ids = draw(st.lists(st.uuids(), min_size=len(names), max_size=len(names), unique=True))
    document: dict[str, Any] = {"version": 1}
    if draw(st.booleans()):
        document["$schema"] = "schemas/dynamic-security-policy.schema.json"
    if draw(st.booleans()):
        document["defaults"] = draw(settings_areas)
    document["stages"] = {
        name: draw(stage(str(environment_id)))
        for name, environment_id in zip(names, ids, strict=True)
    }
    today = clock.utc_today()
    document["waivers"] = draw(st.lists(st.fixed_dictionaries(
        {
            "rule": st.sampled_from(rule_ids()),
            "reason": _REASONS,
            "expires": st.integers(-400, 365).map(
                lambda days: (today + dt.timedelta(days=days)).isoformat()
            ),
        },
        optional={
            "stages": st.lists(st.sampled_from(names), min_size=1, unique=True),
            "values": st.lists(origins(), max_size=2),
        },
    ), max_size=3))
    return document

