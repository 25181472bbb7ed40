"""`--secrets-out FILE`: where a newly issued raw API token is written, once.

The file is JSON `{name: {"id", "token", "created_at"}}`, mode 0600, replaced atomically
right after each successful issue (before anything else happens), so a crash later in the
run cannot lose a token that was already issued.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pulumi_dynamic_security.api.models import CreatedToken
from pulumi_dynamic_security.cli.output import is_special, write_atomically
from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.mapping.api_tokens import timestamp

SECRETS_MODE = 0o600


def check_writable(path: Path) -> None:
    """Fail (exit 3) before any write when FILE's directory cannot take a new file."""
    directory = path.parent if str(path.parent) else Path()
    if path.is_dir() or is_special(path):
        # /dev/stdout would print the token: secrets only ever go to a regular file.
        raise InputError(f"--secrets-out {path} is not a regular file; name a file.")
    try:
        handle, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=directory)
    except OSError as exc:
        raise InputError(
            f"--secrets-out {path} cannot be written ({exc.strerror or exc}).",
            hint="Choose a file in an existing, writable directory.",
        ) from None
    os.close(handle)
    os.unlink(probe)


class SecretsFile:
    """Receives each issued token and rewrites the file with every token of this run."""

    def __init__(self, path: Path):
        self.path = path
        self._entries: dict[str, dict[str, Any]] = {}

    def __call__(self, name: str, created: CreatedToken) -> None:
        self._entries[name] = {
            "id": created.id,
            "token": created.raw_token.reveal(),
            "created_at": timestamp(created.created_at),
        }
        write_atomically(self.path, json.dumps(self._entries, indent=2) + "\n",
                         what="the new API token", mode=SECRETS_MODE)

    def __repr__(self) -> str:
        return f"SecretsFile({self.path}, {len(self._entries)} token(s))"
