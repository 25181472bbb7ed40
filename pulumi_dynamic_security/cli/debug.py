"""Whether `--debug` was given: read by the entry point when it reports an error."""

from __future__ import annotations

import logging

from pulumi_dynamic_security.redaction import RedactingFilter

_enabled = False


def enable() -> None:
    """Turn on tracebacks and HTTP traces (secrets still redacted) for this run."""
    global _enabled
    _enabled = True
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
    logger = logging.getLogger("pulumi_dynamic_security")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)


def enabled() -> bool:
    return _enabled


def reset() -> None:
    """Forget `--debug` (the CLI can run several times in one process, as tests do)."""
    global _enabled
    _enabled = False
    logger = logging.getLogger("pulumi_dynamic_security")
    logger.handlers[:] = []
    logger.setLevel(logging.NOTSET)
