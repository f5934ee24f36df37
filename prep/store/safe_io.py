"""Replace files so a crash leaves the old bytes or the new, never a mix; OS errors in words."""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from pathlib import Path


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` all at once: temp file, fsync, rename, fsync the folder."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                if written <= 0:
                    raise OSError(errno.ENOSPC, "short write")
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new file in `folder` survive a power cut."""
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def explain_os_error(exc: OSError, path: Path, doing: str = "write to") -> str:
    """Say in plain words why a file could not be written (or read: `doing="read"`)."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "your disk quota is used up",
        errno.EFBIG: "the file has reached the largest size this system allows",
        errno.EROFS: "the disk is read-only",
        errno.EACCES: f"you do not have permission to {doing} {path}",
        errno.EPERM: f"you do not have permission to {doing} {path}",
        errno.EIO: "the disk reported an error while saving",
        errno.ENOENT: f"the folder {path.parent} does not exist",
        errno.ENOTDIR: f"{path.parent} is not a folder (PREP_DATA_DIR should name a folder)",
    }
    reason = reasons.get(exc.errno or -1) or (exc.strerror or str(exc)).rstrip(".").lower()
    return reason
