"""Keeping credentials out of everything we print, log or raise.

Two tools, used together:

* `Secret` wraps a credential so that `str`, `repr` and f-strings show `***` and the value has
  to be asked for explicitly with `.reveal()` at the single place it is sent.
* `register` / `redact` keep a process-wide set of secret values; `redact(text)` scrubs them
  (and anything shaped like a signed JWT) from any text, and `RedactingFilter` does it for
  every log record. The CLI registers each
  token the moment it reads it, so even a traceback under `--debug` is scrubbed.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"
_MIN_SECRET_LENGTH = 6  # shorter values would redact ordinary words
# A compact JWT: its header and claims are base64url JSON objects, so both start `eyJ`
# (`{"`); the signature may follow. Header alone is not masked: it names no one and signs
# nothing.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?")

_lock = threading.Lock()
_secrets: set[str] = set()


class Secret:
    """A credential that never shows itself by accident."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value
        register(value)

    def reveal(self) -> str:
        """The clear value, for the one place that must send it (an HTTP header, a 0600 file)."""
        return self._value

    @property
    def checksum(self) -> str:
        """The last six characters, which is how Dynamic names a token (`checksum`)."""
        return self._value[-6:]

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        # Refuse to be pickled: a provider or a plan file must never carry a credential.
        raise TypeError("a Secret cannot be pickled")


def register(value: str | None) -> None:
    """Remember a secret value so that `redact` removes it from any text from now on."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """`text` with every registered secret, and anything shaped like a signed JWT (an
    end user's, pasted where an argument or a file was expected), replaced by `***`."""
    with _lock:
        values = sorted(_secrets, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return _JWT.sub(MASK, text) if "eyJ" in text else text


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs registered secrets from the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = redact(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True
