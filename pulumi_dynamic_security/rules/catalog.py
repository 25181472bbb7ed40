"""The explicit registry of rules, and the catalogue `dynsec rules` prints
(docs/rules.md#the-catalogue).

`RULES` lists one instance of every rule in id order. Nothing registers itself on import:
adding a rule means adding it here, where a reviewer sees it. The README's rule table is
`rules_table_markdown()`, and a test keeps the two in sync.
"""

from __future__ import annotations

import json
import textwrap

from pulumi_dynamic_security.rules.base import Rule, Severity
from pulumi_dynamic_security.rules.environment import (
    AppFactsMismatch,
    CaptchaOff,
    EnvironmentLocked,
    StageEnvironmentMismatch,
    TestAccountLive,
)
from pulumi_dynamic_security.rules.external_auth import (
    ExternalAuthInsecureJwks,
    ExternalAuthNoAudience,
)
from pulumi_dynamic_security.rules.jwt import JwtLong, JwtLongWalletsNoMfa
from pulumi_dynamic_security.rules.mfa import MfaEmailOnly, MfaOff, SmsSoleFactor, WalletExportNoMfa
from pulumi_dynamic_security.rules.notifications import SecurityNotificationOff
from pulumi_dynamic_security.rules.origins import (
    OriginConfusable,
    OriginLocal,
    OriginPlainHttp,
    OriginsEmpty,
    OriginWildcard,
)
from pulumi_dynamic_security.rules.storage import CookieWithoutHostname, JwtInLocalStorage
from pulumi_dynamic_security.rules.tokens import (
    NoTokenRotation,
    RotationTooSlow,
    TokenOverdue,
    TokenUnmanaged,
)
from pulumi_dynamic_security.rules.waivers import WaiverExpired, WaiverUnused
from pulumi_dynamic_security.rules.webhooks import SessionEventsUnmonitored, WebhookUnmanaged

RULES: tuple[Rule, ...] = (
    OriginsEmpty(),
    OriginWildcard(),
    OriginLocal(),
    OriginPlainHttp(),
    OriginConfusable(),
    JwtLong(),
    JwtLongWalletsNoMfa(),
    JwtInLocalStorage(),
    CookieWithoutHostname(),
    MfaOff(),
    SmsSoleFactor(),
    WalletExportNoMfa(),
    MfaEmailOnly(),
    NoTokenRotation(),
    RotationTooSlow(),
    TokenOverdue(),
    TokenUnmanaged(),
    StageEnvironmentMismatch(),
    AppFactsMismatch(),
    TestAccountLive(),
    ExternalAuthInsecureJwks(),
    ExternalAuthNoAudience(),
    CaptchaOff(),
    SessionEventsUnmonitored(),
    SecurityNotificationOff(),
    WebhookUnmanaged(),
    EnvironmentLocked(),
    WaiverExpired(),
    WaiverUnused(),
)

_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def rule_ids() -> tuple[str, ...]:
    """Every rule id, in catalogue order."""
    return tuple(_BY_ID)


def rule_by_id(rule_id: str) -> Rule:
    """The rule with id `rule_id`; KeyError when there is none."""
    try:
        return _BY_ID[rule_id]
    except KeyError:
        raise KeyError(f"no rule {rule_id!r} (see `dynsec rules`)") from None


def severity_cell(rule: Rule, kind: str) -> str:
    """A severity as the rule table writes it: `warning (error if app.high_value)`, or `-`
    when the rule is not reported for that kind of stage (`production` or `other`)."""
    severity: Severity | None = rule.production if kind == "production" else rule.other
    if severity is None:
        return "-"
    # Every escalation in the catalogue is a production one (DS401, DS403, DS502, DS802;
    # docs/rules.md#severities).
    if kind == "production" and rule.severity_note:
        return f"{severity.value} ({rule.severity_note})"
    return severity.value


def rules_table_markdown() -> str:
    """The rule table (id, name, when, prod, other), built from the rule objects."""
    lines = ["| id | name | when | prod | other |", "|---|---|---|---|---|"]
    for rule in RULES:
        cells = (
            rule.id, rule.name, rule.summary,
            severity_cell(rule, "production"), severity_cell(rule, "other"),
        )
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def rules_text(width: int = 100) -> str:
    """The catalogue as an aligned plain-text table; each rule's "when" is wrapped under its
    name, so that the table reads on an 80-column terminal too."""
    headers = ("ID", "NAME", "PRODUCTION", "OTHER")
    rows = [
        (rule.id, rule.name, _plain(severity_cell(rule, "production")),
         _plain(severity_cell(rule, "other")))
        for rule in RULES
    ]
    widths = [max(len(row[column]) for row in [headers, *rows]) for column in range(4)]
    indent = " " * (widths[0] + 2)

    def line(cells: tuple[str, ...]) -> str:
        padded = (cell.ljust(size) for cell, size in zip(cells, widths, strict=True))
        return "  ".join(padded).rstrip()

    out = [line(headers)]
    for rule, row in zip(RULES, rows, strict=True):
        out.append(line(row))
        out.extend(textwrap.wrap(
            _plain(rule.summary), width=max(width, len(indent) + 40),
            initial_indent=indent, subsequent_indent=indent,
        ))
    return "\n".join(out) + "\n"


def rules_json() -> str:
    """The catalogue as JSON (docs/cli.md#output-formats): a list of `Rule.describe()`
    objects."""
    return json.dumps([rule.describe() for rule in RULES], indent=2) + "\n"


def _plain(text: str) -> str:
    """Markdown code spans read as noise in a terminal."""
    return text.replace("`", "")
