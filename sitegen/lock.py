"""One build at a time per output folder: an exclusive lock file beside it.

Two ``sitegen build`` runs writing the same output folder would race on its
temporary folders and on the swap.  The second one fails fast (it does not
wait: a build that silently waits on another one looks hung) with a message
naming the process that holds the lock; the CLI exits with code 4
(``docs/errors.md``).

The lock is ``fcntl.flock`` on ``.<output name>.lock`` in the output's parent
folder (``.build.lock`` for ``build/``).  The kernel releases it when the
holder exits, however it exits (even ``kill -9``), so a lock is never stale;
the file is removed on a normal release.  Removing a lock file that others
may have opened is safe because an acquirer checks, after locking, that the
file it locked is still the one at the path, and retries otherwise.

Where ``fcntl`` does not exist (Windows) the lock degrades to an exclusive
create of the same file, which a killed build leaves behind: the message
then says to delete it.
"""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path
from types import TracebackType

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)


class BuildLocked(Exception):
    """Another build holds the lock of this output folder."""

    def __init__(self, path: Path, holder: str):
        self.path = path
        self.holder = holder
        who = f"process {holder}" if holder else "another process"
        super().__init__(
            f"{path}: another sitegen build ({who}) is writing this output folder; "
            "wait for it to finish, or stop it, and build again"
            + ("" if fcntl is not None else f" (if no build is running, delete {path})")
        )


def lock_path(output: Path) -> Path:
    """The lock file of ``output``: ``.NAME.lock`` beside it."""
    return output.parent / f".{output.name}.lock"


class OutputLock:
    """Exclusive, non-blocking lock on an output folder (a context manager)."""

    def __init__(self, output: Path):
        self.path = lock_path(output)
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if fcntl is None:  # pragma: no cover - Windows
            self._acquire_by_create()
            return
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise BuildLocked(self.path, self._holder()) from None
                raise
            # The holder before us may have removed the file after we opened
            # it: then we locked an orphan, and must lock the new file instead.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        log.debug("locked %s", self.path)

    def _acquire_by_create(self) -> None:  # pragma: no cover - Windows
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            raise BuildLocked(self.path, self._holder()) from None
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def _holder(self) -> str:
        try:
            return self.path.read_text(encoding="ascii", errors="replace").strip()[:20]
        except OSError:
            return ""

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        if fcntl is None:  # pragma: no cover - Windows: the file is the lock
            os.close(fd)
            self.path.unlink(missing_ok=True)
            return
        try:
            # Remove the file while still holding the lock (see the module docstring).
            self.path.unlink(missing_ok=True)
        except OSError:
            pass
        finally:
            os.close(fd)  # closing releases the flock

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
