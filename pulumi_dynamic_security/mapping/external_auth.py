"""`external_auth` <-> `security.externalAuth` (docs/mapping.md#external_auth).

* `enabled` -> `enabled`, `issuer` -> `iss`, `audience` -> `aud`, `jwks_url` -> `jwksUrl`,
  `cookie_name` -> `cookieName`; only the keys the stage sets are managed, and every other
  member of `externalAuth` (the newer `assumeEmailVerified`, ...) stays as read;
* live, `enabled` is true only when Dynamic says `true`; a text member that is absent, null
  or empty reads as not set (`None`); the JWKS url reads normalized when it can be.

Effect: the JWKS url moved to https, or an audience set, tightens; their reverses weaken
(docs/mapping.md#effects). Enabling or disabling third-party sign-in, and the issuer or the
cookie name, are neutral: which way they move security depends on the issuer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pulumi_dynamic_security.diffing import Difference
from pulumi_dynamic_security.mapping.area import Exported
from pulumi_dynamic_security.mapping.changes import Effect
from pulumi_dynamic_security.mapping.keyed import KeyedSettingsArea
from pulumi_dynamic_security.policy import urls
from pulumi_dynamic_security.policy.areas import EffectiveExternalAuth

# How each text key is checked and normalized, as the policy's models do it.
_TEXT = {
    "issuer": urls.claim_text,
    "audience": urls.claim_text,
    "jwks_url": urls.normalize_jwks_url,
    "cookie_name": urls.cookie_name,
}


def _https(url: Any) -> bool:
    return isinstance(url, str) and url.startswith("https://")


class ExternalAuthArea(KeyedSettingsArea):
    name = "external_auth"
    docs = "docs/mapping.md#external_auth"
    section = "externalAuth"
    wire_keys: ClassVar[Mapping[str, str]] = {
        "enabled": "enabled",
        "issuer": "iss",
        "audience": "aud",
        "jwks_url": "jwksUrl",
        "cookie_name": "cookieName",
    }
    value_type = EffectiveExternalAuth

    def read(self, key: str, member: Any) -> Any:
        if key == "enabled":
            return member is True
        if not isinstance(member, str) or not member:
            return None
        if key == "jwks_url":
            try:
                return urls.normalize_jwks_url(member)
            except urls.UrlError:
                return member  # shown (and replaced) as Dynamic holds it
        return member

    def valid(self, key: str, value: Any) -> bool:
        if key == "enabled":
            return isinstance(value, bool)
        try:
            return bool(_TEXT[key](value) == value)
        except urls.UrlError:
            return False

    def effect(self, difference: Difference, live_form: Any, declared_form: Any) -> Effect:
        key = difference.path.removeprefix(f"{self.name}.")
        before, after = difference.before, difference.after
        if key == "jwks_url" and _https(before) != _https(after):
            return "tightens" if _https(after) else "weakens"
        if key == "audience" and (before is None) != (after is None):
            return "tightens" if after is not None else "weakens"
        return "neutral"

    def export(self, security: dict[str, Any]) -> Exported:
        if "externalAuth" not in security:
            return Exported(None)
        live = self.from_live(security)
        raw = self.object_of(security)
        value: dict[str, Any] = {}
        comments: list[str] = []
        for key, wire in self.wire_keys.items():
            item = getattr(live, key)
            if item is None:
                continue
            if key != "enabled" and not self.valid(key, item):
                comments.append(f"live externalAuth.{wire} {raw.get(wire)!r} is not valid in a "
                                "policy; left out")
                continue
            value[key] = item
        if value.get("enabled") and not {"issuer", "jwks_url"} <= value.keys():
            del value["enabled"]
            comments.append("live external auth is enabled without an issuer or a JWKS url, "
                            "which a policy cannot say; `enabled` left out")
        return Exported(value or None, tuple(comments))


AREA = ExternalAuthArea()
