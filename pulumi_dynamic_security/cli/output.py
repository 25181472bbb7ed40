"""Where command output goes: colour only on a terminal, files replaced atomically."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from pulumi_dynamic_security.errors import InputError


def stdout_wants_color() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set or TERM is `dumb`."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    stream = sys.stdout
    try:
        return stream is not None and stream.isatty()
    except ValueError:  # a closed stream
        return False


_STREAM_DIRECTORIES = ("/dev/", "/proc/")


def is_special(path: Path) -> bool:
    """True for a path that must be written in place, never renamed over: an existing path
    that is not a regular file (a device, a pipe), and anything under /dev or /proc, such as
    /dev/stdout, which links to whatever stdout is (possibly a regular log file)."""
    if str(path.absolute()).startswith(_STREAM_DIRECTORIES):
        return True
    try:
        return path.exists() and not path.is_file()
    except OSError:
        return False


def write_output(path: Path, text: str, *, what: str = "the report") -> None:
    """Write a report or a plan to `path`: a regular (or new) file is replaced atomically, a
    symbolic link is followed so the link stays a link, and a special file (`/dev/stdout`,
    `/dev/null`, a named pipe) is written in place, since renaming a file over it would
    replace the device itself."""
    if not is_special(path):
        write_atomically(path.resolve() if path.is_symlink() else path, text, what=what)
        return
    try:
        with open(path, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
    except OSError as exc:
        raise InputError(f"cannot write {what} to {path} ({exc.strerror or exc})",
                         hint="Choose another path.") from None


def write_atomically(path: Path, text: str, *, what: str = "the report",
                     mode: int | None = None) -> None:
    """Write `text` to the regular file `path` through a temporary file in the same directory
    and a rename, so that `path` never holds half a file. `mode` forces permissions (e.g.
    0o600 for secrets; the temporary file has them from its creation). InputError (exit 3)
    when it fails, or when `path` is a special file, which a rename would replace."""
    if is_special(path):
        raise InputError(f"{path} is not a regular file; {what} needs one.",
                         hint="Name a regular file.")
    final_mode = mode if mode is not None else _mode_for(path)
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=path.parent)  # created 0600
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, final_mode)
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError(
            f"cannot write {what} to {path} ({reason})",
            hint="Check that the directory exists and is writable, or choose another path.",
        ) from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual ones (0666 - umask)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        pass
    if sys.platform == "win32":  # pragma: no cover
        return 0o666
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
