"""The output folder: checked before any work, locked while in use, replaced as a whole set.

- :func:`check_output_folder` runs before the analysis: a file where the folder
  should be, a folder that cannot be written or a name longer than the file
  system allows is reported at once, with the path and the fix, instead of a
  traceback after the whole analysis has run.
- :class:`OutputLock` keeps two runs out of one folder: a lock file created
  atomically (``O_CREAT | O_EXCL``) holding the owner's pid, host and start
  time.  A second run fails naming the lock; a lock whose process has died (same
  host, pid no longer running) is stale and taken over with a warning.
- :func:`staged_outputs` has the writers write into a hidden folder inside the
  target and moves the finished files into place at the end, each with
  :func:`os.replace`, the previous ones moved aside first and moved back if
  anything fails (an exception, Ctrl-C).  So the folder holds the complete
  previous set or the complete new set, never a mixture.
- :func:`safe_name` turns a study name into a folder name every file system
  accepts (characters, reserved names, at most 100 bytes).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from planner.errors import OutputError

__all__ = ["LOCK_NAME", "safe_name", "check_output_folder", "OutputLock", "staged_outputs", "os_error_message"]

logger = logging.getLogger(__name__)

#: The lock file inside a locked output folder.
LOCK_NAME = ".planner.lock"
#: Longest file name (one path component) in bytes on common file systems (ext4, NTFS, APFS).
NAME_MAX_BYTES = 255
_STAGING_PREFIX = ".planner-new-"
_BACKUP_PREFIX = ".planner-old-"
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_name(name: str, *, max_bytes: int = 100, default: str = "study") -> str:
    """A folder name made from ``name`` that every common file system accepts.

    Letters and digits (Chinese included), ``-`` and ``_`` are kept, anything
    else becomes ``_``; a name longer than ``max_bytes`` (UTF-8) is cut and
    ends with 8 hex digits of a hash of the whole name, so different long
    names stay different; Windows device names (``CON``, ``NUL``...) get a ``_``.

    Parameters
    ----------
    name : str
    max_bytes : int
        Most UTF-8 bytes of the result (file systems allow 255).
    default : str
        Used when nothing of ``name`` is left.

    Returns
    -------
    str
    """
    keep = "".join(ch if (ch.isalnum() or ch in "-_") else "_" for ch in name.strip()) or default
    if len(keep.encode("utf-8")) > max_bytes:
        digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
        cut = keep.encode("utf-8")[: max_bytes - 9].decode("utf-8", errors="ignore")
        keep = f"{cut}_{digest}"
    if keep.split(".")[0].upper() in _WINDOWS_RESERVED:
        keep += "_"
    return keep


def os_error_message(exc: OSError, path: str | Path) -> str:
    """One sentence for an OS error met while writing outputs under ``path``: what, where, and the fix."""
    where = exc.filename or path
    code = exc.errno
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "choose a folder you can write to with --out, or change the folder's permissions"
    elif code == errno.ENOSPC or code == getattr(errno, "EDQUOT", -1):
        fix = "free some disk space or choose another disk with --out"
    elif code == errno.ENAMETOOLONG:
        fix = "use a shorter --out path or a shorter study name"
    elif code in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        fix = "a file is in the way: choose another --out folder, or move the file"
    else:
        fix = "choose another output folder with --out"
    return f"cannot write outputs to {where}: {exc.strerror or exc}. Fix: {fix}."


def _nearest_existing(path: Path) -> Path:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_output_folder(path: str | Path) -> Path:
    """Check, before any work, that ``path`` can be the output folder; raise :class:`OutputError` if not.

    Checks: no path component longer than 255 bytes; ``path`` is a folder or
    does not exist yet; its nearest existing parent is a folder; a file can
    be created there (a real write, so read-only disks and missing
    permissions are found even when running as root).  Nothing is left behind.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Path
        ``path``, absolute.
    """
    p = Path(path).expanduser().absolute()
    for part in p.parts:
        n = len(part.encode("utf-8"))
        if n > NAME_MAX_BYTES:
            raise OutputError(f"output folder name too long ({n} bytes; file systems allow {NAME_MAX_BYTES}): "
                              f"{part[:40]}... in {str(p)[:120]}... Fix: use a shorter --out path or study name.")
    if p.exists() and not p.is_dir():
        raise OutputError(f"the output path {p} is a file, not a folder. "
                          "Fix: choose a folder with --out, or move the file out of the way.")
    base = _nearest_existing(p)
    if not base.is_dir():
        raise OutputError(f"cannot create the output folder {p}: {base} is a file, not a folder. "
                          "Fix: choose another --out folder, or move the file out of the way.")
    try:
        fd, probe = tempfile.mkstemp(prefix=".planner-probe-", dir=base)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        where = p if base == p else f"{p} (its folder {base} cannot be written)"
        exc.filename = None  # the probe file means nothing to the user
        raise OutputError(os_error_message(exc, where)) from exc
    return p


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    except OSError:
        return True
    return True


class OutputLock:
    """An exclusive lock on an output folder: ``<folder>/.planner.lock`` holding pid, host and start time.

    Use as a context manager.  Re-entrant within one thread (the pipeline
    takes it again when the command line already holds it).

    Parameters
    ----------
    folder : str or Path
        Created when missing.
    """

    _held: dict[tuple[Path, int], int] = {}
    _guard = threading.Lock()

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).absolute()
        self.path = self.folder / LOCK_NAME
        self._key = (self.folder, threading.get_ident())
        self._created = False

    def acquire(self) -> OutputLock:
        """Take the lock, or raise :class:`OutputError` naming the run that holds it."""
        with self._guard:
            if self._held.get(self._key):
                self._held[self._key] += 1
                return self
            try:
                self._created = not self.folder.exists()
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OutputError(os_error_message(exc, self.folder)) from exc
            for _ in range(2):
                if self._try_create():
                    self._held[self._key] = 1
                    return self
                if not self._remove_if_stale():
                    break
            raise OutputError(self._busy_message())

    def _try_create(self) -> bool:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        except OSError as exc:
            raise OutputError(os_error_message(exc, self.folder)) from exc
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(owner, fh)
        return True

    def owner(self) -> dict:
        """What the lock file says (pid, host, started); empty when it cannot be read."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _remove_if_stale(self) -> bool:
        """Remove the lock when its process is gone (same host) or it is unreadable and over a minute old."""
        owner = self.owner()
        pid, host = owner.get("pid"), owner.get("host")
        if isinstance(pid, int) and host == socket.gethostname():
            stale = not _pid_running(pid)
        else:
            try:
                stale = not owner and time.time() - self.path.stat().st_mtime > 60
            except OSError:
                return True  # gone meanwhile: try again
        if not stale:
            return False
        logger.warning("removing the stale lock %s of a run that is no longer running (pid %s, started %s)",
                       self.path, pid, owner.get("started", "?"))
        aside = self.path.with_name(f"{LOCK_NAME}.stale-{os.getpid()}")
        with contextlib.suppress(OSError):
            os.replace(self.path, aside)  # one of two racing runs wins the rename
            aside.unlink()
        return True

    def _busy_message(self) -> str:
        owner = self.owner()
        who = (f"pid {owner.get('pid')} on {owner.get('host')}, started {owner.get('started')}" if owner
               else "owner unknown")
        return (f"the output folder {self.folder} is in use by another planner run ({who}); lock file {self.path}. "
                f"Fix: wait for that run to finish or choose another --out folder; if no run is using it "
                f"(a crashed run), delete {self.path}.")

    def release(self) -> None:
        """Give the lock back (remove the lock file when this is the outermost holder)."""
        with self._guard:
            n = self._held.get(self._key, 0)
            if n > 1:
                self._held[self._key] = n - 1
                return
            self._held.pop(self._key, None)
            if self.owner().get("pid") == os.getpid():
                with contextlib.suppress(OSError):
                    self.path.unlink()
                if self._created:  # a run that failed before writing leaves no empty folder behind
                    with contextlib.suppress(OSError):
                        self.folder.rmdir()

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _commit(staging: Path, folder: Path) -> None:
    """Move every entry of ``staging`` into ``folder``; on any failure put the previous entries back."""
    backup = Path(tempfile.mkdtemp(prefix=_BACKUP_PREFIX, dir=folder))
    moved: list[tuple[Path, Path | None]] = []  # (target, its previous version in backup)
    try:
        for entry in sorted(staging.iterdir(), key=lambda e: e.name == "outputs.json"):  # the manifest last
            target = folder / entry.name
            previous = None
            if target.exists() or target.is_symlink():
                previous = backup / entry.name
                os.replace(target, previous)
            moved.append((target, previous))
            os.replace(entry, target)
    except BaseException:
        for target, previous in reversed(moved):
            with contextlib.suppress(OSError):
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                elif target.exists() or target.is_symlink():
                    target.unlink()
                if previous is not None:
                    os.replace(previous, target)
        raise
    finally:
        shutil.rmtree(backup, ignore_errors=True)


def _clear_leftovers(folder: Path) -> None:
    """Remove the staging and backup folders of runs that were killed outright (the lock is held: none is live)."""
    for entry in folder.iterdir():
        if entry.is_dir() and entry.name.startswith((_STAGING_PREFIX, _BACKUP_PREFIX)):
            if entry.name.startswith(_BACKUP_PREFIX) and any(entry.iterdir()):
                logger.warning("%s holds outputs of a run killed while moving its files into place; the folder "
                               "may mix two runs: this run replaces them. Removing %s", folder, entry)
            shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def staged_outputs(folder: str | Path) -> Iterator[Path]:
    """Write a set of outputs into ``folder`` all at once.

    Yields a hidden, empty staging folder inside ``folder``; when the block
    ends normally, its entries replace the same-named entries of ``folder``
    (see the module docstring).  When the block raises (or is interrupted),
    ``folder`` is left as it was and the staging folder removed.  Hold an
    :class:`OutputLock` on ``folder`` around it.

    Parameters
    ----------
    folder : str or Path
        Created when missing.

    Yields
    ------
    Path
        The staging folder to write into.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _clear_leftovers(folder)
        staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=folder))
    except OSError as exc:
        raise OutputError(os_error_message(exc, folder)) from exc
    try:
        yield staging
        try:
            _commit(staging, folder)
        except OSError as exc:
            raise OutputError(os_error_message(exc, folder)) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
