"""Whether a host may not be the domain it reads as (DS105 origin-confusable).

A reviewer reads `https://xn--pypal-4ve.com` as its Unicode form, `pаypal.com`, and sees
PayPal; its second letter is Cyrillic. Browsers guard their address bar against this with
the rules of Unicode Technical Standard #39 (Unicode Security Mechanisms): Chromium shows
such a name in punycode. We apply the same two tests to every punycode label of an allowed
origin, after decoding it:

1. **Mixed scripts** (UTS #39's "highly restrictive" level): the letters of one label belong
   to one script, or to one of the combinations real names use: Latin with Han, Hiragana and
   Katakana (Japanese), with Han and Bopomofo (Chinese), or with Han and Hangul (Korean).
   Characters of the Common and Inherited scripts (digits, `-`, combining marks) belong to
   any script. `pаypal` (Latin and Cyrillic) fails; `bücher` and `中文ab` pass.
2. **Look-alikes** (UTS #39's confusables): a label written only with characters that look
   like ASCII letters and digits reads as an ASCII name it is not: all-Cyrillic `аррӏе` reads
   as "apple" (a whole-script confusable, which passes test 1). And a Latin letter that looks
   like an ASCII one (`ı` dotless i, `ɑ` Latin alpha, `ǀ` dental click) is flagged wherever it
   appears, since a reader takes it for that letter. Letters with visible marks (`ü`, `é`,
   `ß`) and non-Latin letters that are not all look-alikes (`пример`) pass.

The data is Unicode's own: the script of each character (Scripts.txt) and the confusable
prototypes (confusables.txt, the data of UTS #39), as shipped by `confusable-homoglyphs`, a
package made for detecting homograph attacks that keeps both tables as data files; we use
only its two look-ups (`categories.alias` and `confusables.is_confusable`) and keep the
policy above here, where it can be read. A character newer than its data has the script
"Unknown", which counts as a script of its own, so such a label is reported rather than
passed. ASCII labels are skipped: they mix no scripts, and look-alike ASCII spellings
(`paypa1`) are typosquatting, a different problem.
"""

# ruff: noqa: RUF002 (the docstring shows look-alike letters on purpose)
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from pulumi_dynamic_security.policy.origins import unicode_host

_ANY_SCRIPT = frozenset({"COMMON", "INHERITED"})
_COMBINATIONS = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_ASCII_NAME = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


@dataclass(frozen=True)
class Confusion:
    """Why one label of a host may not be what it reads as."""

    label: str  # as written in the origin (punycode)
    shown: str  # decoded
    reason: str

    def describe(self) -> str:
        return f"{self.label} is {self.shown}, which {self.reason}"


def confusion(host: str) -> Confusion | None:
    """The first label of normalized `host` that may not be what it reads as, if any."""
    decoded = unicode_host(host).split(".")
    for label, shown in zip(host.split("."), decoded, strict=True):
        if shown.isascii():
            continue
        reason = _mixed_scripts(shown) or _look_alikes(shown)
        if reason is not None:
            return Confusion(label, shown, reason)
    return None


def _mixed_scripts(label: str) -> str | None:
    from confusable_homoglyphs import categories

    scripts = list(dict.fromkeys(categories.alias(ch) for ch in label))
    letters = [script for script in scripts if script not in _ANY_SCRIPT]
    if len(letters) <= 1 or any(set(letters) <= allowed for allowed in _COMBINATIONS):
        return None
    names = [script.replace("_", " ").title() for script in letters]
    return f"mixes {', '.join(names[:-1])} and {names[-1]} letters"


def _look_alikes(label: str) -> str | None:
    from confusable_homoglyphs import categories

    prototypes = {ch: _ascii_prototype(ch) for ch in label if ch not in _ASCII_NAME}
    if all(prototypes.values()):
        pairs = ", ".join(f"{ch}\u2192{prototype}" for ch, prototype in prototypes.items())
        return f"can pass for an ASCII name: each of its letters looks like an ASCII one ({pairs})"
    for ch, prototype in prototypes.items():
        if prototype and categories.alias(ch) == "LATIN":
            return (f"uses U+{ord(ch):04X} {unicodedata.name(ch, '')}, which looks like "
                    f"{prototype!r}")
    return None


def _ascii_prototype(ch: str) -> str | None:
    """The ASCII letter or digit `ch` is confusable with (UTS #39), if any."""
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(ch, greedy=True) or []
    for entry in found:
        for glyph in entry["homoglyphs"]:
            text = glyph["c"].lower()
            if text and all(c in _ASCII_NAME for c in text):
                return str(text)
    return None
