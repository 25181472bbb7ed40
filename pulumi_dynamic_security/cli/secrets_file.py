"""`--secrets-out FILE`: where a secret the API shows once is written: a newly issued raw API
token, a new webhook's signing secret.

The file is JSON, mode 0600: `{name: {"id", "token", "created_at"}}` for a token (under its
`api_tokens` entry's name) and `{"webhook:<name>": {"id", "secret", "url"}}` for a webhook,
written atomically right after each secret is made (before anything else happens), so a
crash later in the run cannot lose one that was already made. It is created exclusively: an
existing FILE that is not empty is refused before any write (it may hold the only copy of an
earlier run's secrets), and again at the moment each secret is written
(`output.write_exclusively`): the first write creates FILE only if nothing is there or an
empty file is, and each later write replaces only the file this run wrote. A file that
appeared during the run is never replaced; a token that could not be delivered is then
revoked by apply (nobody has it), and a webhook whose secret could not be delivered is
left (dynsec never deletes one) with an error saying where its secret can be read.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from pulumi_dynamic_security.api.models import CreatedToken, Webhook
from pulumi_dynamic_security.cli.output import FileId, is_special, write_exclusively
from pulumi_dynamic_security.clock import timestamp
from pulumi_dynamic_security.errors import DynamicApiError, InputError

SECRETS_MODE = 0o600


def check_writable(path: Path) -> None:
    """Fail (exit 3) before any write when FILE's directory cannot take a new file, or when
    FILE already holds something (tokens of an earlier run, shown only once there: replacing
    the file would lose them)."""
    if path.is_symlink() or path.is_dir() or is_special(path):
        # /dev/stdout would print the token: secrets only ever go to a regular file. A link
        # is refused too: /dev/stdout is one, and when stdout is redirected to a file it
        # points at a regular file, so the atomic rename would replace the link itself.
        raise InputError(f"--secrets-out {path} is not a regular file; name a file.",
                         hint="Name a new file in a private directory (not a link or device).")
    if _holds_something(path):
        raise InputError(
            f"--secrets-out {path} already exists and is not empty: it may hold tokens of an "
            "earlier run, which are shown only once; nothing was written.",
            hint="Move its tokens to your secret store and delete the file, or name a new file.",
        )
    try:
        handle, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=path.parent)
    except OSError as exc:
        raise InputError(
            f"--secrets-out {path} cannot be written ({exc.strerror or exc}).",
            hint="Choose a file in an existing, writable directory.",
        ) from None
    os.close(handle)
    os.unlink(probe)


def _holds_something(path: Path) -> bool:
    """True when `path` is a file with content other than whitespace or `{}`."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise InputError(f"--secrets-out {path} cannot be read ({exc.strerror or exc}).",
                         hint="Name a new file in a writable directory.") from None
    return not _empty(text.encode())


def _empty(content: bytes) -> bool:
    return content.strip() in (b"", b"{}")


def _entry(created: CreatedToken | Webhook) -> tuple[dict[str, Any], str]:
    """The file's entry for one secret, and what it is (for messages)."""
    if isinstance(created, Webhook):
        if created.secret is None:
            raise DynamicApiError(
                f"Dynamic created webhook {created.id} but did not show its signing secret.",
                hint="Read the secret in Dynamic's dashboard (Developers > Webhooks).",
            )
        return ({"id": created.id, "secret": created.secret.reveal(), "url": created.url},
                "the new webhook's secret")
    return ({"id": created.id, "token": created.raw_token.reveal(),
             "created_at": timestamp(created.created_at)}, "the new API token")


class SecretsFile:
    """Receives each secret made and rewrites the file with every secret of this run."""

    def __init__(self, path: Path):
        self.path = path
        self._entries: dict[str, dict[str, Any]] = {}
        self._written: FileId | None = None  # the file this run put at `path`, once it has

    def __call__(self, name: str, created: CreatedToken | Webhook) -> None:
        entry, what = _entry(created)
        entries = {**self._entries, name: entry}
        self._written = write_exclusively(
            self.path, json.dumps(entries, indent=2) + "\n", mode=SECRETS_MODE,
            what=what, replaceable=self._replaceable,
        )
        self._entries = entries

    def _replaceable(self, found: os.stat_result, head: bytes) -> bool:
        """Before this run's first token: an empty regular file (`mktemp`'s); after it: only
        the very file this run wrote (same device and inode), which holds its earlier tokens,
        all of them in the new file too."""
        if self._written is not None:
            return (found.st_dev, found.st_ino) == self._written
        return stat.S_ISREG(found.st_mode) and found.st_size <= len(head) and _empty(head)

    def __repr__(self) -> str:
        return f"SecretsFile({self.path}, {len(self._entries)} secret(s))"
