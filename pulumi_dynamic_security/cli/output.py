"""Where command output goes: colour only on a terminal, files replaced atomically, never
over the file a command reads, and (for secrets) created exclusively."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
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


def same_file(first: Path, second: Path) -> bool:
    """True when writing `first` would write `second`: the same path once links are resolved,
    or the same file (device and inode: a hard link, or a link `resolve` cannot see)."""
    try:
        if first.resolve() == second.resolve():
            return True
        one, other = first.stat(), second.stat()
    except (OSError, RuntimeError):  # missing, or a symlink loop: nothing to overwrite
        return False
    return (one.st_dev, one.st_ino) == (other.st_dev, other.st_ino)


def refuse_overwriting(path: Path, inputs: Sequence[Path], *, option: str) -> None:
    """InputError (exit 3) when writing `path` would replace one of `inputs` (the policy file
    a command read), directly or through a symbolic or hard link."""
    for source in inputs:
        if same_file(path, source):
            raise InputError(
                f"{option} {path} is the policy file itself ({source}, or a link to it): "
                "writing there would replace the policy, so nothing was written",
                hint=f"Write the {'report' if option != '--out' else 'plan'} to another file.",
            )


def write_output(path: Path, text: str, *, what: str = "the report",
                 protect: Sequence[Path] = (), option: str = "--output") -> None:
    """Write a report or a plan to `path`: a regular (or new) file is replaced atomically, a
    symbolic link is followed so the link stays a link, and a special file (`/dev/stdout`,
    `/dev/null`, a named pipe) is written in place, since renaming a file over it would
    replace the device itself. Never over one of `protect` (checked again here, right before
    writing, so a link made while the command ran is caught too)."""
    refuse_overwriting(path, protect, option=option)
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
    with _staged(path, text, final_mode, what=what) as temporary:
        os.replace(temporary, path)


@contextlib.contextmanager
def _staged(path: Path, text: str, mode: int, *, what: str) -> Iterator[str]:
    """A complete copy of `text` in a temporary file beside `path` (created 0600, then given
    `mode`, flushed to disk), removed afterwards unless the caller renamed it into place;
    an OSError inside becomes InputError (exit 3)."""
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=path.parent)  # created 0600
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        yield temporary
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


FileId = tuple[int, int]  # (st_dev, st_ino)
# Whether the file found at a path (its lstat, and its first bytes) may be replaced.
Replaceable = Callable[[os.stat_result, bytes], bool]


class AppearedError(InputError):
    """The path `write_exclusively` was to create holds a file it may not replace."""


def write_exclusively(path: Path, text: str, *, mode: int, what: str,
                      replaceable: Replaceable) -> FileId:
    """Put `text` at `path` atomically (never a partial file) and exclusively: `path` is
    created only if nothing is there at that moment (a hard link of a complete temporary
    file, which fails rather than replace), and a file already there is replaced only if
    `replaceable` accepts it as it is at that moment (it is first renamed aside, so nobody
    can write into it between the check and the replacement). A file refused is put back
    as it was, and AppearedError (exit 3) says so. Returns the (device, inode) written."""
    with _staged(path, text, mode, what=what) as temporary:
        written = os.lstat(temporary)
        try:
            os.link(temporary, path)
        except FileExistsError:
            _take_over(path, temporary, what=what, replaceable=replaceable)
    return written.st_dev, written.st_ino


_PEEK = 4096  # bytes of a file found in the way that `replaceable` gets to judge


def _take_over(path: Path, temporary: str, *, what: str, replaceable: Replaceable) -> None:
    """Replace what is at `path` with `temporary`, if `replaceable` accepts it."""
    aside = path.with_name(f".{path.name}.{secrets.token_hex(6)}.aside")
    try:
        os.rename(path, aside)  # whatever is at `path` now, and only that, is judged below
    except FileNotFoundError:  # gone again meanwhile: the path is free, take it exclusively
        os.link(temporary, path)
        return
    found = os.lstat(aside)
    head = b""
    if stat.S_ISREG(found.st_mode):
        with open(aside, "rb") as stream:
            head = stream.read(_PEEK)
    if not replaceable(found, head):
        kept = _put_back(aside, path)
        raise AppearedError(
            f"{path} appeared or changed while this run was writing {what}, and it is not a "
            f"file this run may replace, so it was not replaced"
            + ("" if kept == path else f" (it is now at {kept})"),
            hint="Move that file's contents somewhere safe, then name a new file.",
        )
    try:
        os.link(temporary, path)
    except FileExistsError:
        # Someone created `path` in the instant between: it is theirs. What was set aside
        # (an empty file, or this run's previous copy) stays where it is, named here.
        raise AppearedError(
            f"{path} appeared while this run was writing {what}, so it was not replaced; "
            f"the file that was there before is at {aside}",
            hint="Move that file's contents somewhere safe, then name a new file.",
        ) from None
    os.unlink(aside)


def _put_back(aside: Path, path: Path) -> Path:
    """Return `aside` to `path` unless something took `path` meanwhile; where it is now."""
    try:
        os.link(aside, path, follow_symlinks=False)
    except FileExistsError:
        return aside
    except OSError:  # a directory cannot be hard-linked
        if os.path.lexists(path):
            return aside
        os.rename(aside, path)
        return path
    os.unlink(aside)
    return path


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
