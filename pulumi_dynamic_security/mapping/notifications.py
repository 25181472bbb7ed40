"""`notifications` <-> `security.notifications` (docs/mapping.md#notifications).

* `key_export` -> `waasPrivateKeyExport`, `signed_transaction` -> `waasSignedTransaction`,
  `credential_linked` -> `verifiedCredentialLinked`, `credential_unlinked` ->
  `verifiedCredentialUnlinked`;
* a member absent live (or anything but `false`) reads as true: Dynamic's documented
  default is on. Only the keys the stage sets are managed.

Effect: an e-mail turned on tightens, turned off weakens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pulumi_dynamic_security.diffing import Difference
from pulumi_dynamic_security.mapping.area import Exported
from pulumi_dynamic_security.mapping.changes import Effect
from pulumi_dynamic_security.mapping.keyed import KeyedSettingsArea
from pulumi_dynamic_security.policy.areas import EffectiveNotifications


class NotificationsArea(KeyedSettingsArea):
    name = "notifications"
    docs = "docs/mapping.md#notifications"
    section = "notifications"
    wire_keys: ClassVar[Mapping[str, str]] = {
        "key_export": "waasPrivateKeyExport",
        "signed_transaction": "waasSignedTransaction",
        "credential_linked": "verifiedCredentialLinked",
        "credential_unlinked": "verifiedCredentialUnlinked",
    }
    value_type = EffectiveNotifications

    def read(self, key: str, member: Any) -> bool:
        return member is not False

    def valid(self, key: str, value: Any) -> bool:
        return isinstance(value, bool)

    def effect(self, difference: Difference, live_form: Any, declared_form: Any) -> Effect:
        return "tightens" if difference.after is True else "weakens"

    def export(self, security: dict[str, Any]) -> Exported:
        live = self.from_live(security)
        comments = []
        raw = self.object_of(security)
        odd = [wire for wire in self.wire_keys.values()
               if wire in raw and not isinstance(raw[wire], bool)]
        if odd:
            comments.append(f"live notifications {odd} are not true or false; read as on")
        return Exported(self.input_form(live), tuple(comments))


AREA = NotificationsArea()
