"""Writing files and folders so that nobody ever sees half of one (shared by every LLMHub package).

Every file an LLMHub package writes (``llmhub.yaml``, spec edits, ``.env.example``, catalog
snapshots and caches, model weights and stamps, state files) goes through this module:

* the data goes to a temporary file in the target's own folder, is flushed and fsynced, and the
  temporary file is renamed over the target (``os.replace``): a reader, or a crash at any point,
  sees the old file or the new one, complete;
* a new file gets the mode the umask gives (``0o666 & ~umask``, so ``0644`` under umask 022), not
  the ``0600`` of a temporary file; a replaced file keeps its mode (and, when the process may,
  its owner);
* a read-only target (no write permission bit for anyone, or not writable by this process) is
  refused with :class:`~llmhub_runtime.errors.NotWritableError` naming the file, and so is a
  target in a folder this process cannot write;
* a symlink is written through: the file it points to is replaced atomically and the link stays;
* on any error (or interrupt) the temporary file is removed.

Temporary names are ``.<name>.<pid>.<random>.tmp`` beside the target (``pid`` is the writer's
process id); :func:`stray_temp_files` lists the ones whose writer is gone (a killed process), which
are safe to delete. Only the standard library is used.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Literal, cast, overload

from llmhub_runtime.errors import NotWritableError

__all__ = ["atomic_directory", "atomic_write", "atomic_writer", "stray_temp_files"]

_TMP_SUFFIX = ".tmp"
_TEMP_NAME = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp")


def _temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{_TMP_SUFFIX}")


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists (this process counts: another thread may be writing)."""
    if pid == os.getpid() or os.name == "nt":  # on Windows os.kill would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, as another user's process
        return True
    return True


def stray_temp_files(path: str | os.PathLike[str]) -> list[Path]:
    """Temporary files that interrupted writes to ``path`` left beside it, safe to delete.

    Only names this module makes for ``path`` are listed, and only those whose writing process no
    longer runs (a temporary file of a write in progress, in this or another process, is not).
    """
    target = Path(path)
    try:
        candidates = sorted(target.parent.glob(f".{_glob_escape(target.name)}.*{_TMP_SUFFIX}"))
    except OSError:
        return []
    strays = []
    for candidate in candidates:
        match = _TEMP_NAME.fullmatch(candidate.name)
        if match is not None and match["name"] == target.name and not _running(int(match["pid"])):
            strays.append(candidate)
    return strays


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _resolve_target(path: str | os.PathLike[str]) -> Path:
    """The file that will be replaced: ``path``, or the file a symlink at ``path`` points to."""
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    return target


def _check_writable(target: Path, shown: str) -> os.stat_result | None:
    """The target's stat (None when it does not exist yet); NotWritableError when read-only."""
    try:
        info = target.stat()
    except FileNotFoundError:
        folder = target.parent
        if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
            raise NotWritableError(shown, f"its folder {folder} is not writable") from None
        return None
    if stat.S_ISDIR(info.st_mode):
        raise NotWritableError(shown, "it is a directory")
    # Root may write anything; a file nobody may write is still one its owner wants kept.
    if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise NotWritableError(shown, "the file is read-only (make it writable to let llmhub replace it)")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise NotWritableError(shown, f"its folder {target.parent} is not writable")
    return info


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every platform can open a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _keep_owner_and_mode(tmp: Path, info: os.stat_result | None, mode: int | None) -> None:
    if mode is not None:
        os.chmod(tmp, mode)
    elif info is not None:
        os.chmod(tmp, stat.S_IMODE(info.st_mode))
    if info is not None and (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):  # only a privileged process may give a file away
            os.chown(tmp, info.st_uid, info.st_gid)


@overload
def atomic_writer(
    path: str | os.PathLike[str], *, binary: Literal[True], mode: int | None = None
) -> contextlib.AbstractContextManager[IO[bytes]]: ...


@overload
def atomic_writer(
    path: str | os.PathLike[str], *, binary: Literal[False] = False, mode: int | None = None
) -> contextlib.AbstractContextManager[IO[str]]: ...


def atomic_writer(
    path: str | os.PathLike[str], *, binary: bool = False, mode: int | None = None
) -> contextlib.AbstractContextManager[IO[bytes]] | contextlib.AbstractContextManager[IO[str]]:
    """A context manager giving a file to write; ``path`` is replaced when the block ends cleanly.

    If the block raises, ``path`` is left as it was and the temporary file is removed. Text is
    written as UTF-8 with ``\\n`` line ends kept as they are.

    Args:
        path: The file to write (its folder is created if missing). A symlink is written through.
        binary: Give a binary file instead of a text one.
        mode: Permission bits for the result (e.g. ``0o600`` for a private file); by default a new
            file gets ``0o666 & ~umask`` and a replaced file keeps its mode.

    Raises:
        NotWritableError: ``path`` is read-only, a directory, or in a folder that is not writable.
    """
    writer = _atomic_writer(path, binary=binary, mode=mode)  # the handle's type follows ``binary``
    if binary:
        return cast("contextlib.AbstractContextManager[IO[bytes]]", writer)
    return cast("contextlib.AbstractContextManager[IO[str]]", writer)


@contextlib.contextmanager
def _atomic_writer(
    path: str | os.PathLike[str], *, binary: bool, mode: int | None
) -> Iterator[IO[bytes] | IO[str]]:
    shown = os.fspath(path)
    target = _resolve_target(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    info = _check_writable(target, shown)
    tmp = _temp_path(target)
    try:
        # 0o666 through os.open: the kernel applies the umask, as for any newly created file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    except PermissionError:
        raise NotWritableError(shown, f"its folder {target.parent} is not writable") from None
    try:
        handle: IO[bytes] | IO[str] = (
            os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        )
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _keep_owner_and_mode(tmp, info, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def atomic_write(path: str | os.PathLike[str], data: str | bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` (``str`` is written as UTF-8) atomically.

    See :func:`atomic_writer` for the folder, symlink, mode and read-only rules.

    Raises:
        NotWritableError: ``path`` is read-only, a directory, or in a folder that is not writable.
    """
    if isinstance(data, bytes):
        with atomic_writer(path, binary=True, mode=mode) as binary_handle:
            binary_handle.write(data)
    else:
        with atomic_writer(path, mode=mode) as text_handle:
            text_handle.write(data)


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A context manager giving an empty temporary folder that replaces ``path`` when the block ends.

    Fill the folder inside the block. On a clean exit an existing ``path`` is moved aside, the new
    folder renamed into place and the old one deleted; if the block raises, ``path`` is left as
    it was and the temporary folder is deleted. (Between the two renames ``path`` is briefly
    missing; a reader that must never see that needs a lock.)
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(target)
    tmp.mkdir()
    old: Path | None = None
    try:
        yield tmp
        if target.exists():
            old = target.with_name(f".{target.name}.{secrets.token_hex(4)}.old")
            os.replace(target, old)
        try:
            os.replace(tmp, target)
        except OSError:
            if old is not None:
                os.replace(old, target)  # put the previous folder back
                old = None
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
