"""What a rule is, what it sees, and what it reports (docs/rules.md).

A rule is a class with a stable id, a short name, the area it belongs to, a severity for
production stages and one for the others (`None`: not reported there), a summary, a
remediation and the Dynamic docs page it comes from. `check(ctx)` yields `Hit`s; the engine
(`engine.py`) turns hits into `Finding`s, applying severities, waivers and locations.

Rules see a `RuleContext`:

* `stage`: the stage's effective policy (name, production, app facts, limits, api_tokens);
* `settings`: the security settings to judge (`JudgedSettings`), in the policy's own words.
  Offline (`validate`) that is the declared policy, and an area the stage does not manage
  is `None` (rules on it are skipped). Online (`plan`, `drift`, Pulumi) it is the
  environment as it will be after apply: declared where managed, live where not
  (`live_keys` says which; docs/rules.md#offline-and-online);
* `live`: facts only the API knows (tokens, environment kind, custom hostnames, wallets and
  SMS providers, the test account, captcha, the lock, the live webhooks, and the audit reads
  Dynamic refused). `None` offline; the rules marked `live` need it and stay silent without
  it. A rule that needs an audit read (`reads`) is skipped when Dynamic refused that read,
  and the engine reports a note instead (docs/rules.md#audit-reads).
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from pulumi_dynamic_security.policy.areas import Area, AreaValues
from pulumi_dynamic_security.policy.rule_ids import RuleId
from pulumi_dynamic_security.policy.stages import EffectiveStage

# What a rule is about: one of the policy's areas, or the stage's environment, or its waivers.
RuleArea = Literal[Area, "environment", "waivers"]


class Severity(str, enum.Enum):
    ERROR = "error"  # blocks apply and fails Pulumi `check`
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "note": 2}[self.value]


@dataclass(frozen=True, kw_only=True)
class JudgedSettings(AreaValues):
    """The settings the rules judge: a value per area in the policy's words (`None`: unknown
    or not managed), and which of them were read live rather than declared."""

    # keys whose value was read from the live environment rather than declared, e.g.
    # "allowed_origins" or "mfa.require_for_actions"; findings on them never block.
    live_keys: frozenset[str] = frozenset()

    @classmethod
    def declared(cls, stage: EffectiveStage) -> JudgedSettings:
        """The stage's declared settings, as `validate` judges them."""
        return cls(**stage.area_values())

    def is_live(self, path: str) -> bool:
        """True when the value at `path` came from the live environment."""
        return any(path == key or path.startswith((key + ".", key + "[")) for key in self.live_keys)


@dataclass(frozen=True)
class LiveToken:
    """An API token as Dynamic lists it (never its raw value)."""

    id: str
    note: str | None
    checksum: str
    created_at: datetime
    scopes: tuple[str, ...] = ()


# The reads made only to audit (docs/apply.md#reads): a 403 on one is a note, not a failure.
AuditRead = Literal["webhooks", "test_account", "event_types"]


@dataclass(frozen=True)
class RefusedRead:
    """An audit read Dynamic answered 403: which, and the scope the token lacks."""

    read: AuditRead
    scope: str | None


@dataclass(frozen=True)
class LiveWebhook:
    """A webhook as Dynamic lists it (never its secret); `url` normalized when it can be."""

    id: str
    url: str
    events: tuple[str, ...]
    enabled: bool


@dataclass(frozen=True)
class LiveFacts:
    """What the (live) rules know about the environment as it is now."""

    now: datetime
    environment_name: Literal["sandbox", "live"] | None = None
    tokens: tuple[LiveToken, ...] = ()
    # checksum (last 6 characters) of the token this run authenticates with: never reported
    # by DS504, never revoked.
    auth_token_checksum: str | None = None
    # whether an `active` custom hostname with usage `cookies` exists; None when not read
    # (it is read only when switching a live environment to cookie storage).
    active_cookie_hostname: bool | None = None
    embedded_wallets_enabled: bool = False  # sdk.waas, or an enabled turnkey/coinbaseWaas provider
    sms_sign_in_enabled: bool = False  # an enabled sms provider
    # whether the environment has a test account (a fixed sign-in with a static code); None
    # when not read (only a production stage's environment is asked, docs/apply.md#reads).
    # Never its code: the answer's secret stays in the client.
    test_account: bool | None = None
    test_account_login: str | None = None  # its e-mail or phone number (untrusted text)
    captcha_enabled: bool | None = None  # security.captcha or security.hCaptcha enabled
    environment_locked: bool = False  # security.environmentLocked
    webhooks: tuple[LiveWebhook, ...] | None = None  # None: not read
    refused: tuple[RefusedRead, ...] = ()

    def refused_read(self, read: AuditRead) -> RefusedRead | None:
        return next((r for r in self.refused if r.read == read), None)


@dataclass(frozen=True)
class RuleContext:
    stage: EffectiveStage
    settings: JudgedSettings
    live: LiveFacts | None = None


@dataclass(frozen=True)
class Hit:
    """One thing a rule found: where (`path`), what, and on which exact value."""

    path: str  # e.g. "allowed_origins[1]", "mfa.methods", "api_tokens", "waivers[0]"
    message: str
    value: str | None = None  # the normalized value (waivers' `values`, token ids)
    severity: Severity | None = None  # overrides the rule's severity (e.g. error if high_value)
    on_live_value: bool = False  # about a live object (a token): no file/line
    remediation: str | None = None  # overrides the rule's remediation (an audit-read note)


class Rule(ABC):
    """A security rule. Subclasses set the class attributes and implement `check`."""

    id: ClassVar[RuleId]
    name: ClassVar[str]
    area: ClassVar[RuleArea]
    production: ClassVar[Severity | None]
    other: ClassVar[Severity | None]
    summary: ClassVar[str]  # when it fires, one sentence (the rule table's "when")
    remediation: ClassVar[str]
    doc_url: ClassVar[str]
    severity_note: ClassVar[str] = ""  # e.g. "error if app.high_value", shown in the table
    live: ClassVar[bool] = False  # needs LiveFacts: only online
    # The audit reads the rule needs; it is skipped when Dynamic refused one of them.
    reads: ClassVar[tuple[AuditRead, ...]] = ()
    # About what no area of the policy manages (a test account, the captcha, the lock):
    # reported, never blocks (docs/rules.md#what-blocks).
    audit: ClassVar[bool] = False
    # Judges only what the stage declares (never the settings or the environment), e.g.
    # DS501 "api_tokens not declared": not run again for the live findings, where it would
    # only repeat itself (docs/rules.md#live-findings).
    declared_only: ClassVar[bool] = False

    def severity_for(self, stage: EffectiveStage) -> Severity | None:
        """The base severity for this stage's kind; None when not reported there."""
        return self.production if stage.production else self.other

    @abstractmethod
    def check(self, ctx: RuleContext) -> Iterable[Hit]:
        """Yield a hit for every violation (the engine skips stages where the rule is off)."""

    def describe(self) -> dict[str, Any]:
        """The rule as `dynsec rules --format json` prints it."""
        return {
            "id": self.id,
            "name": self.name,
            "area": self.area,
            "severity": {
                "production": self.production.value if self.production else "-",
                "other": self.other.value if self.other else "-",
            },
            "summary": self.summary,
            "remediation": self.remediation,
            "doc_url": self.doc_url,
        }


@dataclass
class Finding:
    """A hit made reportable: the finding JSON of docs/cli.md#output-formats (`to_json`)."""

    rule: str
    name: str
    severity: Severity
    stage: str
    path: str
    message: str
    remediation: str
    doc_url: str
    file: str | None = None
    line: int | None = None
    waived: bool = False
    waiver_reason: str | None = None
    resolved_by_plan: bool = False
    value: str | None = field(default=None, compare=False)
    # False when the finding is about an area the stage does not manage: reported, never blocks
    managed: bool = field(default=True, compare=False)
    # True for a live finding, judged on the environment as it is now: it says what is
    # exposed, and never blocks (docs/rules.md#live-findings)
    live: bool = field(default=False, compare=False)

    @property
    def blocks(self) -> bool:
        """True for an unwaived, unresolved error on a managed area, judged on the settings
        after apply (never a live finding)."""
        return (
            self.severity is Severity.ERROR and self.managed and not self.waived
            and not self.resolved_by_plan and not self.live
        )

    @property
    def exposes(self) -> bool:
        """True for an unwaived live error: the environment is exposed now."""
        return self.live and self.severity is Severity.ERROR and not self.waived

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity.value,
            "stage": self.stage,
            "path": self.path,
            "message": self.message,
            "remediation": self.remediation,
            "doc_url": self.doc_url,
            "waived": self.waived,
            "waiver_reason": self.waiver_reason,
            "resolved_by_plan": self.resolved_by_plan,
            "file": self.file,
            "line": self.line,
        }
