"""A built bag as a folder, a zip or a tar, byte for byte the same for the same inputs and date.

Reproducibility needs fixed permissions, times and entry order; putting the package in place
is a rename, so a failure leaves what was there before.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from archive.errors import DepositError

ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest time a zip entry can carry


def normalise_tree(root: Path, when: datetime) -> None:
    """Fixed permissions and times on everything written, for identical folders and archives."""
    ts = max(when, ZIP_EPOCH).timestamp()
    for dirpath, _dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            p = os.path.join(dirpath, name)
            os.chmod(p, 0o644)
            os.utime(p, (ts, ts))
        os.chmod(dirpath, 0o755)
        os.utime(dirpath, (ts, ts))


def _entries(bagdir: Path, flat: bool = False) -> list[tuple[str, Path]]:
    """Archive entries, sorted; under one base folder named after ``bagdir`` unless ``flat``."""
    prefix = "" if flat else f"{bagdir.name}/"
    out = [] if flat else [(prefix, bagdir)]
    for path in sorted(bagdir.rglob("*"), key=lambda p: p.relative_to(bagdir).as_posix()):
        rel = f"{prefix}{path.relative_to(bagdir).as_posix()}"
        out.append((rel + "/" if path.is_dir() else rel, path))
    return out


def write_zip(bagdir: Path, target: Path, when: datetime, flat: bool = False) -> None:
    stamp = max(when, ZIP_EPOCH).timetuple()[:6]
    with zipfile.ZipFile(target, "w") as zf:
        for name, path in _entries(bagdir, flat):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3
            if path.is_dir():
                info.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
                zf.writestr(info, b"")
            else:
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes(), compresslevel=9)


def write_tar(bagdir: Path, target: Path, when: datetime, flat: bool = False) -> None:
    mtime = int(max(when, ZIP_EPOCH).timestamp())
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tf:
        for name, path in _entries(bagdir, flat):
            info = tarfile.TarInfo(name.rstrip("/"))
            info.mtime = mtime
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if path.is_dir():
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tf.addfile(info)
            else:
                data = path.read_bytes()
                info.mode = 0o644
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def put_in_place(built: Path, out: Path, force: bool) -> None:
    """Rename ``built`` to ``out``; with ``force`` the old package goes only once the new is in."""
    if not (out.exists() or out.is_symlink()):
        os.rename(built, out)
        return
    if not force:
        raise DepositError(f"{out} already exists; use --force to replace it")
    aside = out.parent / f".{out.name}.old-{os.getpid()}"
    os.rename(out, aside)
    try:
        os.rename(built, out)
    except BaseException:
        os.rename(aside, out)
        raise
    remove(aside)
