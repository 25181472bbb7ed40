""""Did you mean ...?" for names a user mistyped (keys, stage names, rule ids)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from pulumi_dynamic_security.escaping import clip, echo, text

# Beyond this many candidates (a catalogue from an API answer can hold tens of thousands),
# only a case-blind or abbreviated match is looked for: a near spelling costs a comparison
# with every candidate, and a user's lists (stages, rule ids, Dynamic's events) are far
# shorter.
MAX_FUZZY_CANDIDATES = 1000
SHOWN_LIMIT = 60  # characters of one candidate a message shows


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
    if len(options) > MAX_FUZZY_CANDIDATES:
        return None
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'x'?` for the closest candidate, else `; valid: a, b, c` when there are
    at most 12 candidates, else nothing: a suffix for the message that names `word`. Each
    candidate is shown escaped and cut (they can come from an API answer)."""
    options = sorted(candidates)
    match = closest(word, options)
    if match is not None:
        return f"; did you mean {echo(match, SHOWN_LIMIT)}?"
    if options and len(options) <= 12:
        return f"; valid: {', '.join(text(clip(o, SHOWN_LIMIT)) for o in options)}"
    return ""
