"""Whole-folder atomic outputs: a build is staged beside ``--out`` and swapped in at the end.

Each file was already written atomically; this makes the **folder** atomic: after any failure —
an exception, a full disk, Ctrl-C, even ``kill -9`` — ``--out`` holds every file of the previous
run or every file of the new one, never a mix, and no temporary file.

How (all paths beside ``OUT``, in its parent folder, so renames stay on one file system):

1. ``.OUT.cscplan-lock`` is locked (``flock``: released by the kernel if the process dies). A
   second run into the same folder stops at once with an Italian message (exit 2).
2. Leftovers of a run that was killed are recovered: a ``.OUT.cscplan-backup`` is put back if
   ``OUT`` is missing (else removed); a ``.OUT.cscplan-staging`` is removed.
3. ``OUT`` must be new, empty, or a folder of outputs (it holds ``run_metadata.json``, or only
   output-like files and folders of outputs): an arbitrary folder is never swapped away.
4. The new files are written into ``.OUT.cscplan-staging``; entries of the old ``OUT`` that are
   not outputs of the previous run (``run_metadata.json`` lists them) — e.g. ``costi/`` of
   ``cscplan cost`` or ``.gitkeep`` — are hard-linked into the staging folder so they survive.
5. The swap: ``renameat2(RENAME_EXCHANGE)`` exchanges staging and ``OUT`` in one step (Linux);
   elsewhere ``OUT`` → backup, staging → ``OUT`` (a crash in between is undone by step 2). The
   old build is then deleted and the lock file removed.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
from pathlib import Path
from types import TracebackType

from cscplan.errors import InputError

METADATA = "run_metadata.json"
SCREENSHOT = "report.png"
OUTPUT_LIKE = re.compile(r"^[\w.\-]+\.(csv|json|html|png|xlsx)$")
TEMPORARY = re.compile(r"^\..+\.tmp$")
SUFFIXES = ("cscplan-lock", "cscplan-staging", "cscplan-backup")
RENAME_EXCHANGE = 2
AT_FDCWD = -100
OS_REASONS = {
    errno.EEXIST: "un file (non una cartella) con questo nome",
    errno.ENOTDIR: "un file (non una cartella) nel percorso",
    errno.ENOENT: "un percorso che non si può creare",
    errno.EACCES: "permesso negato",
    errno.EPERM: "permesso negato",
    errno.EROFS: "un file system in sola lettura",
    errno.ENOSPC: "disco pieno",
    errno.EDQUOT: "quota del disco esaurita",
    errno.EISDIR: "una cartella al posto di un file di output",
}

try:  # POSIX; on other systems runs are not serialised (documented)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None


def sibling(out: Path, suffix: str) -> Path:
    """``.NAME.<suffix>`` beside ``out``."""
    return out.parent / f".{out.name}.{suffix}"


def os_error(out: Path, exc: OSError) -> InputError:
    """An unusable output folder as bad input (one Italian message, exit 2)."""
    reason = OS_REASONS.get(exc.errno or 0, exc.strerror or str(exc))
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(out) else ""
    return InputError(out, "una cartella di output scrivibile", reason + where)


class OutputFolder:
    """``with OutputFolder(out) as folder: folder.stage(files) … folder.commit()``.

    Entering locks and recovers; leaving without :meth:`commit` (any exception) removes the
    staging folder and leaves ``out`` as it was; leaving always releases the lock.
    """

    def __init__(self, out: str | Path) -> None:
        self.out = Path(os.path.realpath(out))
        self.staging = sibling(self.out, "cscplan-staging")
        self.backup = sibling(self.out, "cscplan-backup")
        self.lock = sibling(self.out, "cscplan-lock")
        self._fd: int | None = None

    # ------------------------------------------------------------------ lock and recovery

    def __enter__(self) -> OutputFolder:
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self._acquire()
            recover(self.out)
        except OSError as exc:
            self._release()
            raise os_error(self.out, exc) from None
        if self.out.exists() and not self.out.is_dir():
            self._release()
            raise InputError(
                self.out, "una cartella di output scrivibile", "un file (non una cartella)"
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            _remove(self.staging)
        finally:
            self._release()

    def _acquire(self) -> None:
        if fcntl is None:  # pragma: no cover
            return
        while True:
            fd = os.open(self.lock, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode("ascii", "replace").strip()
                os.close(fd)
                raise InputError(
                    self.out,
                    "nessun'altra esecuzione di cscplan che scrive nella stessa cartella",
                    f"un'esecuzione in corso (processo {holder or '?'}): attendere che finisca "
                    "o scegliere un'altra cartella con --out",
                ) from None
            if _same_file(fd, self.lock):
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
                self._fd = fd
                return
            os.close(fd)  # the file was removed by the run that held it: lock the new one

    def _release(self) -> None:
        if self._fd is None:
            return
        try:
            self.lock.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = None

    # ------------------------------------------------------------------ staging and swap

    def stage(self, files: dict[str, bytes]) -> Path:
        """Write ``files`` (name → bytes) into a fresh staging folder; returns its path.

        Checked here, after the computation, so that bad data is reported first: ``out`` must
        be a folder that may be replaced (:func:`check_replaceable`).
        """
        check_replaceable(self.out)
        try:
            _remove(self.staging)
            self.staging.mkdir()
            for name, data in files.items():
                (self.staging / name).write_bytes(data)
        except OSError as exc:
            raise os_error(self.out, exc) from None
        return self.staging

    def commit(self) -> None:
        """Carry over what is not ours, then swap the staging folder in (see module docstring)."""
        try:
            if self.out.is_dir():
                keep_foreign_entries(self.out, self.staging)
            swap(self.staging, self.out, self.backup)
        except OSError as exc:
            raise os_error(self.out, exc) from None


def _same_file(fd: int, path: Path) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def recover(out: Path) -> None:
    """Undo what a killed run left beside ``out`` (call with the lock held)."""
    out = Path(os.path.realpath(out))
    backup = sibling(out, "cscplan-backup")
    if backup.exists():
        if out.exists():
            _remove(backup)
        else:
            os.rename(backup, out)
    _remove(sibling(out, "cscplan-staging"))


def check_replaceable(out: Path) -> None:
    """``out`` may be swapped only if it is new, empty or a folder of cscplan outputs."""
    if not out.exists() or (out / METADATA).is_file():
        return
    for entry in sorted(out.iterdir()):
        if entry.name.startswith(".") or _output_like(entry):
            continue
        raise InputError(
            out,
            "una cartella di output nuova, vuota o già usata da cscplan (con run_metadata.json)",
            f"una cartella con altri contenuti (es. '{entry.name}'): scegliere un'altra "
            "cartella con --out",
        )


def _output_like(entry: Path) -> bool:
    if entry.is_dir() and not entry.is_symlink():
        return (entry / METADATA).is_file()
    return entry.is_file() and bool(OUTPUT_LIKE.match(entry.name))


def previous_outputs(out: Path) -> set[str]:
    """Names the previous run wrote (its ``run_metadata.json``), the screenshot, temp files."""
    owned = {METADATA, SCREENSHOT}
    try:
        listed = json.loads((out / METADATA).read_text(encoding="utf-8")).get("files", [])
        owned.update(str(name) for name in listed)
    except (OSError, ValueError, AttributeError):
        pass
    return owned


def keep_foreign_entries(out: Path, staging: Path) -> None:
    """Hard-link into ``staging`` every entry of ``out`` that neither run owns."""
    owned = previous_outputs(out)
    for entry in out.iterdir():
        name = entry.name
        if name in owned or TEMPORARY.match(name) or name.endswith(SUFFIXES):
            continue
        target = staging / name
        if not os.path.lexists(target):
            _link_tree(entry, target)


def _link_tree(source: Path, target: Path) -> None:
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
    elif source.is_dir():
        target.mkdir()
        shutil.copystat(source, target)
        for child in source.iterdir():
            _link_tree(child, target / child.name)
    else:
        try:
            os.link(source, target)
        except OSError:  # no hard links here (other file system, FAT…): copy
            shutil.copy2(source, target)


def swap(staging: Path, out: Path, backup: Path) -> None:
    """Put ``staging`` in place of ``out``; the old ``out`` is deleted afterwards."""
    if not os.path.lexists(out):
        os.rename(staging, out)
        return
    if exchange(staging, out):
        _remove(staging)  # now the old build
        return
    os.rename(out, backup)
    os.rename(staging, out)
    _remove(backup)


def exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux ``renameat2``); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
