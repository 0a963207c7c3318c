"""Where an export goes: stdout, or a file written atomically (temp file, then rename).

An interrupted export (error, Ctrl-C, full disk) leaves the previous file untouched and no
half-written one behind: the data is written to a hidden temporary file in the target's
folder and only renamed over the target once it is complete and flushed to disk.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from provenance.errors import InputError


@contextmanager
def open_output(path: str | Path | None, *, bom: bool = False) -> Iterator[TextIO]:
    """A UTF-8 text stream that passes newlines through untouched (CSV writes its own CRLF).

    `path=None` (or "-") writes to stdout; `bom=True` starts the stream with a UTF-8 byte
    order mark, which Excel needs to read the file as UTF-8.
    """
    encoding = "utf-8-sig" if bom else "utf-8"
    if path is None or str(path) == "-":
        with _stdout(encoding) as stream:
            yield stream
        return
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise InputError(
            f"cannot write {target}: folder {folder} does not exist",
            fix="create the folder or choose another --out path",
        )
    if target.is_dir():
        raise InputError(f"cannot write {target}: it is a folder", fix="pass a file path")
    try:
        descriptor, temp_name = tempfile.mkstemp(
            dir=folder, prefix=f".{target.name}.", suffix=".partial"
        )
    except OSError as error:
        raise InputError(
            f"cannot write in {folder}: {error.strerror}", fix="choose a writable --out path"
        ) from None
    temp = Path(temp_name)
    try:
        with open(descriptor, "w", encoding=encoding, newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, _default_mode(target))
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _default_mode(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 & ~umask."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def _stdout(encoding: str) -> Iterator[TextIO]:
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a replaced stdout without bytes underneath (some test harnesses)
        yield sys.stdout
        sys.stdout.flush()
        return
    sys.stdout.flush()
    stream = io.TextIOWrapper(buffer, encoding=encoding, newline="", write_through=False)
    try:
        yield stream
    finally:
        try:
            stream.flush()
        finally:
            stream.detach()  # leave sys.stdout's buffer open for whoever writes next
