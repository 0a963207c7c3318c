"""Turn paths into documents: find article files, decode them, extract text and metadata."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from provenance.errors import InputError
from provenance.readers.infer import infer_text_meta
from provenance.readers.meta import SourceMeta

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
ARTICLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
MAX_BYTES = 20 * 1024 * 1024  # far beyond any article; guards against a stray dump or video
FALLBACK_ENCODINGS = ("cp1252", "latin-1")  # latin-1 decodes anything, so it is the last resort
_BINARY_CONTROL_RATIO = 0.05
_ALLOWED_CONTROLS = frozenset(b"\t\n\r\f\x1a")  # \x1a: DOS end-of-file marker in old exports
_HTML_SNIFF = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)


@dataclass(frozen=True, slots=True)
class Document:
    """One article ready for quote extraction; offsets into ``text`` are what gets stored."""

    path: str
    text: str
    sha256: str
    meta: SourceMeta = field(default_factory=SourceMeta)
    warnings: tuple[str, ...] = ()


_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def iter_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Yield article files: files as given, then each directory's articles walked in sorted order.

    Folder entries are ordered by case-folded name, depth first. A file named explicitly is yielded
    whatever its suffix (read_document then says what is wrong with it); inside folders only
    .txt/.md/.markdown/.html/.htm are taken, and hidden files and folders (".git", ".DS_Store", …)
    are skipped. Each file is yielded once even if named twice. Every given path is checked
    before the first file is yielded: one that does not exist raises InputError.
    """
    given = []
    for value in paths:
        if isinstance(value, str) and _URL.match(value):
            raise InputError(
                f"{value}: provenance reads local files, not URLs",
                fix="save the page as .html (or its text as .txt) and pass that file; "
                "give the address with --url",
            )
        given.append(Path(value))
    for path in given:  # all checked before the first yield: a typo must not half-ingest
        _check_exists(path)
    seen: set[str] = set()
    identity = RealPaths()
    for path in given:
        found = _walk(path, set()) if path.is_dir() else iter((path,))
        for item in found:
            key = identity(item)
            if key not in seen:
                seen.add(key)
                yield item


def _check_exists(path: Path) -> None:
    try:
        exists = path.exists()
    except OSError as exc:
        raise InputError(
            f"{_show(path)}: cannot access ({exc.strerror or exc})",
            fix="check the path and its permissions",
        ) from exc
    if not exists:
        hint = " (broken symlink)" if path.is_symlink() else ""
        raise InputError(
            f"{_show(path)}: no such file or directory{hint}",
            fix="check the path; pass article files or folders that contain them",
        )


def _walk(directory: Path, visiting: set[Path]) -> Iterator[Path]:
    real = directory.resolve()
    if real in visiting:  # a symlink loop back into a folder we are inside
        return
    visiting = visiting | {real}
    try:
        entries = sorted(os.scandir(directory), key=lambda e: (e.name.casefold(), e.name))
    except OSError as exc:
        raise InputError(
            f"{_show(directory)}: cannot list folder ({exc.strerror or exc})",
            fix="make it readable or leave it out",
        ) from exc
    for entry in entries:
        if entry.name.startswith("."):
            continue
        child = directory / entry.name
        if entry.is_dir():  # follows symlinks; loops are cut above
            yield from _walk(child, visiting)
        elif _suffix(entry.name).lower() in ARTICLE_SUFFIXES and (
            entry.is_file() or entry.is_symlink()  # broken links too: the reader reports them
        ):
            yield child


def _suffix(name: str) -> str:
    """``PurePath(name).suffix`` for a folder entry's name, without building a path for
    every file of a folder."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


class RealPaths:
    """``Path.resolve()`` for many files in few folders, one ``lstat`` per file.

    Resolving walks every component of a path (a syscall each); 100k files cost seconds of
    serial time before ingest starts. Folders are resolved once per instance (make one per
    walk or manifest, so a long-lived process never trusts an old answer); a file that is
    itself a symlink, or a path with "..", is resolved in full.
    """

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: Path | str) -> str:
        raw = os.fspath(path)
        text = os.path.abspath(raw)
        folder, name = os.path.split(text)
        try:
            if not name or has_parent_step(raw) or os.path.islink(text):
                return os.path.realpath(text, strict=False)
            real = self._folders.get(folder)
            if real is None:
                real = self._folders[folder] = os.path.realpath(folder, strict=False)
        except OSError:
            return text
        return os.path.join(real, name)


def has_parent_step(path: str) -> bool:
    """Does the path go up a folder ("a/../b")? Only a full resolve treats that right when
    "a" is a symlink; plain string work, since this runs once per file of a batch."""
    if os.altsep:
        path = path.replace(os.altsep, os.sep)
    return ".." in path.split(os.sep)


def read_document(path: Path | str) -> Document:
    """Read one article file into a Document, or raise a one-line InputError saying why not."""
    path = Path(path)
    shown = _show(path)
    data = _read_bytes(path, shown)
    is_html = _is_html(path, data)
    warnings: list[str] = []
    encoded = b""  # the text as UTF-8 when the file holds exactly that
    if is_html:
        from provenance.readers.html import extract_html

        if _looks_binary(data):
            raise _binary(shown)
        text, meta = extract_html(_decode_html(data, shown, warnings), shown)
        if not meta.title:
            meta = meta.merged(SourceMeta(title=infer_text_meta(text).title))
    else:
        decoded = _decode_text(data, shown, warnings)
        text = decoded.replace("\r\n", "\n")
        if not text.strip():
            raise _empty(shown)
        meta = infer_text_meta(text)
        # Plain UTF-8 read as it is (no warning: neither UTF-16 nor a fallback; no BOM, no
        # CRLF) encodes back to the file's own bytes: hash those instead of encoding again.
        if not warnings and len(text) == len(decoded) and not data.startswith(codecs.BOM_UTF8):
            encoded = data
    if not text.strip():
        raise _empty(shown)
    digest = hashlib.sha256(encoded or text.encode("utf-8")).hexdigest()
    return Document(
        path=path.as_posix(), text=text, sha256=digest, meta=meta, warnings=tuple(warnings)
    )


def _read_bytes(path: Path, shown: str) -> bytes:
    fix_unreadable = "make it readable or leave it out"
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        what = "broken symlink" if path.is_symlink() else "no such file"
        raise InputError(f"{shown}: cannot read — {what}", fix="check the path") from exc
    except OSError as exc:
        raise _unreadable(shown, exc) from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputError(
            f"{shown}: is a folder, not an article file",
            fix="pass the folder to ingest as a path to walk, or name the files in it",
        )
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{shown}: not a regular file", fix="pass .txt, .md or .html files")
    if info.st_size > MAX_BYTES:
        raise InputError(
            f"{shown}: {info.st_size // (1024 * 1024)} MiB is too large for an article",
            fix=f"split it or pass files under {MAX_BYTES // (1024 * 1024)} MiB",
        )
    try:
        data = path.read_bytes()
    except PermissionError as exc:
        raise InputError(f"{shown}: permission denied", fix=fix_unreadable) from exc
    except OSError as exc:
        raise _unreadable(shown, exc) from exc
    if not data.strip():
        raise _empty(shown)
    return data


def _is_html(path: Path, data: bytes) -> bool:
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return True
    if suffix in TEXT_SUFFIXES:
        return False
    return bool(_HTML_SNIFF.match(data[:1024].removeprefix(codecs.BOM_UTF8)))


_CONTROL_BYTES = bytes(
    b for b in range(256) if (b < 0x20 and b not in _ALLOWED_CONTROLS) or b == 0x7F
)


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    sample = data[:65536]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > _BINARY_CONTROL_RATIO * len(sample)


def _decode_text(data: bytes, shown: str, warnings: list[str]) -> str:
    for bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if data.startswith(bom) and not data.startswith(codecs.BOM_UTF32_LE):
            try:
                text = data.decode("utf-16")
            except UnicodeDecodeError:
                break
            warnings.append(f"{shown}: decoded as UTF-16 (byte-order mark found)")
            return text
    if _looks_binary(data):
        raise _binary(shown)
    return _decode_fallback(data, shown, warnings)


def _decode_fallback(data: bytes, shown: str, warnings: list[str]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for encoding in FALLBACK_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        warnings.append(
            f"{shown}: not valid UTF-8, decoded as {encoding} — check accents and quotation "
            "marks, or re-save the file as UTF-8"
        )
        return text
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def _decode_html(data: bytes, shown: str, warnings: list[str]) -> str:
    """Honour a BOM, then the page's declared charset, then UTF-8 with the text fallbacks."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    if m := _META_CHARSET.search(data[:4096]):
        try:
            encoding = codecs.lookup(m.group(1).decode("ascii")).name
        except (LookupError, UnicodeDecodeError):
            encoding = None
        if encoding == "iso8859-1":  # browsers read a latin-1 declaration as windows-1252
            encoding = "cp1252"
        if encoding:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                pass  # the declaration is wrong; fall through to detection and say so
    return _decode_fallback(data, shown, warnings)


def _unreadable(shown: str, exc: OSError) -> InputError:
    return InputError(
        f"{shown}: cannot read ({exc.strerror or exc})", fix="make it readable or leave it out"
    )


def _binary(shown: str) -> InputError:
    return InputError(f"{shown}: binary file, not an article", fix="pass .txt, .md or .html")


def _empty(shown: str) -> InputError:
    return InputError(
        f"{shown}: empty file, no article text", fix="remove it or add the article text"
    )


def _show(path: Path) -> str:
    text = path.as_posix()
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")
