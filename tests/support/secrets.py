"""Looking for credentials where they must not be (docs/apply.md#secrets)."""

from __future__ import annotations

from collections.abc import Mapping

# Not even this long a tail of a credential may show (the 6-character `checksum` is Dynamic's
# public name for a token, so shorter tails are allowed).
TAIL = 12


def leaks(text: str, canaries: Mapping[str, str]) -> list[str]:
    """The canaries (by name) whose value, or its `TAIL`-character tail, is in `text`."""
    return [name for name, value in canaries.items()
            if value in text or value[-TAIL:] in text]
