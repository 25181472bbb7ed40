""""Did you mean ...?" for names a user mistyped (keys, stage names, rule ids)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like `word`, if any is close enough to be a plausible typo."""
    options = list(candidates)
    lowered = {option.lower(): option for option in options}
    if word.lower() in lowered:
        return lowered[word.lower()]
    # An abbreviation ("prod" for "production") is a likelier intent than a near spelling.
    prefixed = [o for o in options if len(word) >= 3 and o.lower().startswith(word.lower())]
    if len(prefixed) == 1:
        return prefixed[0]
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'x'?` for the closest candidate, else `; valid: a, b, c` when there are
    at most 12 candidates, else nothing: a suffix for the message that names `word`."""
    options = sorted(candidates)
    match = closest(word, options)
    if match is not None:
        return f"; did you mean {match!r}?"
    if options and len(options) <= 12:
        return f"; valid: {', '.join(options)}"
    return ""
