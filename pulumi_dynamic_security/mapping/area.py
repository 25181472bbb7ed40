"""What an area of the policy does on the live side: the two kinds of area, as base classes.

The policy declares its areas (`policy/areas.py`); each has one module here that implements
one of these and is listed in `mapping/registry.py` (docs/architecture.md#the-area-registry).
The service layer, saved plans, export and the Pulumi providers loop over the registry
instead of keeping tables or `if` chains of areas; what still names an area is what only it
has (an endpoint area's GET in `service/snapshot.py`, its Pulumi resource).

* `SettingsArea`: a part of the environment's settings document (`settings.security`). It
  reads its live value from the document, compares it with the declared one, writes a change
  into a copy of the document (the executor PUTs it whole, once), verifies the change after
  apply, exports itself, checks a change read from a saved plan, and gives its Pulumi input.
* `EndpointArea`: a list of records behind endpoints of their own (origins, API tokens,
  webhooks). It
  plans from the records one GET lists, writes change by change through an `EndpointWriter`
  (the executor's bookkeeping: progress, writes made, secrets delivered), and may verify,
  export, check saved changes and refuse a plan overtaken since it was made.

An area compared by value (every settings area, and the origins) plans with `compared`:
`comparable` puts both sides in the form `diffing.compare` sees, and `effect` judges each
difference knowing both sides, so one classifier decides every effect of the area.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pulumi_dynamic_security.diffing import Difference, compare
from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.mapping.changes import Change, Effect, in_plan_order
from pulumi_dynamic_security.policy.areas import Area, PartialValues

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient
    from pulumi_dynamic_security.policy.stages import EffectiveStage
    from pulumi_dynamic_security.rules.base import Finding


@dataclass(frozen=True)
class Exported:
    """What `export` writes for one area: a value (None: leave the area out) and comments."""

    value: Any
    comments: tuple[str, ...] = field(default=())


def not_a_change_apply_makes(change: Change) -> ValueError:
    """The error for a saved change no area could carry out as written."""
    return ValueError(
        f"not a change apply can make: {change.area} {change.action} {echo(change.path)}"
    )


class AreaMapping(ABC):
    """What every area's module implements."""

    name: ClassVar[Area]
    docs: ClassVar[str]  # where docs/ explains its mapping, e.g. "docs/mapping.md#mfa"

    def after_apply(self, declared: Any, live: Any) -> tuple[Any, frozenset[str]]:
        """The value after apply, and which of its keys stay as they are live: the
        declared value where the stage manages the area, else the live one."""
        if declared is None:
            return live, frozenset({self.name})
        if isinstance(declared, PartialValues):
            unmanaged = set(declared.all_keys()) - set(declared.managed_keys())
            return declared.over(live), frozenset(f"{self.name}.{key}" for key in unmanaged)
        return declared, frozenset()

    @abstractmethod
    def check_saved(self, change: Change, stage: EffectiveStage) -> None:
        """Nothing when apply could carry out `change` (read from a saved plan) as written;
        ValueError otherwise, before any request."""

    def write_order(self, change: Change) -> int:
        """Where among the area's changes this one is written (lowest first)."""
        return 0

    def saved_form(self, change: Change) -> tuple[Any, Any]:
        """(before, after) as `apply --plan` compares them with the plan computed now."""
        return change.before, change.after


class ComparedArea(AreaMapping):
    """An area planned by comparing the declared value with the live one."""

    def comparable(self, declared: Any, live: Any) -> tuple[Any, Any]:
        """(live side, declared side) in the form `diffing.compare` sees."""
        return self.form(live), self.form(declared)

    def form(self, value: Any) -> Any:
        """One side's comparable form (the identity for plain values)."""
        return value

    @abstractmethod
    def effect(self, difference: Difference, live_form: Any, declared_form: Any) -> Effect:
        """How one difference moves the environment's security (docs/mapping.md), knowing
        both sides (`live_form`, `declared_form`: the comparable forms)."""

    def compared(self, declared: Any, live: Any) -> list[Change]:
        """The changes that take `live` to `declared` (a managed value), effects judged, in
        the order plans list them."""
        live_form, declared_form = self.comparable(declared, live)
        return in_plan_order(
            Change(self.name, d.kind, d.path, d.before, d.after,
                   self.effect(d, live_form, declared_form))
            for d in compare(self.name, live_form, declared_form)
        )


class SettingsArea(ComparedArea):
    """A part of the environment's settings document (`settings.security`)."""

    @abstractmethod
    def from_live(self, security: dict[str, Any]) -> Any:
        """The live value in the policy's words (`security`: the raw `settings.security`;
        absent or malformed parts read as Dynamic's behaviour)."""

    @abstractmethod
    def write(self, security: dict[str, Any], change: Change) -> None:
        """Write one change into a copy of `settings.security`, touching nothing else."""

    @abstractmethod
    def is_kept(self, security: dict[str, Any], change: Change) -> bool:
        """True when the document as read back shows `change` made."""

    @abstractmethod
    def export(self, security: dict[str, Any]) -> Exported:
        """The value `dynsec export` writes, and comments on what the policy cannot say."""

    def input_form(self, value: Any) -> Any:
        """The value as the `SecuritySettings` resource's input and output (wire types)."""
        return str(value)

    def live_input(self, live: Any, declared_input: Any) -> Any:
        """The live value as the resource's input, limited to what `declared_input` (the
        input in the state) manages; every key when it names none."""
        return self.input_form(live)


class EndpointWriter(Protocol):
    """The executor's side of an endpoint area's writes (`service/apply.py`)."""

    @property
    def client(self) -> DynamicClient: ...

    @property
    def stage(self) -> EffectiveStage: ...

    @property
    def auth_token_checksum(self) -> str | None:
        """The checksum of the token this run authenticates with (never revoked)."""

    def records(self, area: Area) -> tuple[Any, ...]:
        """The area's records as re-read right before the first write."""

    def say(self, message: str) -> None: ...

    def done(self, change: Change, writes: int) -> None:
        """`change` is made, with `writes` requests."""

    def skipped(self, change: Change, reason: str) -> None:
        """`change` is deliberately left undone, and why (exit 2)."""

    def deliver(self, name: str, created: Any) -> None:
        """Hand a newly issued secret to whoever receives it (`--secrets-out`, under `name`),
        before anything else happens; raises when it cannot be delivered. `created` is the
        API's answer that carries the secret (a `CreatedToken` for a token, a `Webhook` for
        a webhook, under `webhook:<name>`)."""


class EndpointArea(AreaMapping):
    """A list of records behind endpoints of its own, listed with one GET."""

    # The Pulumi resource (in `providers/`) that holds the area: each has its own, since
    # its records are written one by one.
    resource: ClassVar[str]
    # Whether apply reads the records back and checks each change made (`is_kept`).
    read_back: ClassVar[bool] = False

    @abstractmethod
    def from_live(self, records: Sequence[Any]) -> Any:
        """The live value in the policy's words (None: nothing the rules judge)."""

    @abstractmethod
    def plan(self, declared: Any, records: Sequence[Any], *, now: datetime) -> list[Change]:
        """The changes that take the live records (read at `now`) to `declared` (a
        managed value)."""

    def before_document(self, change: Change) -> bool:
        """True when `change` is written before the settings document, else after it."""
        return False

    def delivers_secret(self, change: Change) -> bool:
        """True when writing `change` makes a secret the API shows once (a new token, a new
        webhook's signing secret), which apply must be able to deliver before it writes."""
        return False

    @abstractmethod
    def write(self, change: Change, writer: EndpointWriter) -> None:
        """Carry out `change` and tell `writer` (done, skipped)."""

    def is_kept(self, records: Sequence[Any], change: Change) -> bool:
        """True when the records read back show `change` made (only with `read_back`)."""
        return True

    def export(self, records: Sequence[Any]) -> Exported | None:
        """What `dynsec export` writes for the area; None: the area is never exported."""
        return None

    def overtaken(self, changes: Sequence[Change], stage: EffectiveStage,
                  records: Sequence[Any]) -> str | None:
        """Why `changes` (planned earlier) no longer fit the live records although the
        environment's digest did not move (what was planned was done meanwhile), in words
        that complete "... since the plan was made"; None when they still fit."""
        return None

    def resolves(self, finding: Finding, changes: Sequence[Change]) -> bool:
        """True when `changes` resolve `finding` (it then does not block their apply)."""
        return False


class DigestedEndpointArea(EndpointArea):
    """An endpoint area whose writes move no `updatedAt` of the environment (API tokens,
    webhooks), so the environment's digest cannot tell a write made since a plan: a saved
    plan records a digest of the area's records of its own, under `basis.<digest_key>`, and
    apply compares it (docs/apply.md#stale-plans). The other endpoint areas are covered by
    the environment's digest."""

    digest_key: ClassVar[str]

    @abstractmethod
    def digest(self, stage: EffectiveStage, records: Sequence[Any] | None) -> str:
        """The digest of the records the stage manages, as listed (`records`; None when
        not read): a write made since the plan changes it."""

    @abstractmethod
    def changed_since(self, stage: EffectiveStage) -> str:
        """What a changed `digest` means, completing "... since the plan was made"."""
