"""Put feed bytes on disk for a web server: atomic write-if-changed, the OPML list and index page.

Every path component below the output folder is opened with O_NOFOLLOW relative to its parent's
descriptor, so a symlink planted in the output folder cannot redirect a write elsewhere, and a
reader never sees a half-written file: the bytes go to a temporary file in the same folder,
are fsynced, renamed over the old file, and the folder is fsynced.
"""

from __future__ import annotations

import errno
import html
import logging
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import quote, urlsplit

from lxml import etree

from feedd.errors import PublishError
from feedd.models import SectionStatus
from feedd.sanitize import strip_xml_invalid

log = logging.getLogger(__name__)

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_MODE = 0o644
_DIR_MODE = 0o755
_READ_CHUNK = 1 << 16


def write_if_changed(output_dir: Path, relative: str, data: bytes) -> bool:
    """Write `data` to output_dir/relative unless the file already holds exactly these bytes.

    Returns True when the file was (re)written, False when it was left untouched (so its
    mtime and the web server's ETag stay). Raises PublishError for a path that leaves
    output_dir or passes through a symlink, and for any I/O failure; no temp file is left.
    """
    parts = _checked_parts(relative)
    where = f"{output_dir}/{relative}"
    with _open_parent(output_dir, parts[:-1], where) as parent_fd:
        name = parts[-1]
        if _holds_same_bytes(parent_fd, name, data, where):
            return False
        _replace_atomically(parent_fd, name, data, where)
    log.info("wrote %s (%d bytes)", where, len(data))
    return True


def _checked_parts(relative: str) -> list[str]:
    if not relative or "\x00" in relative or "\\" in relative:
        raise PublishError(f"refusing output path {relative!r}: empty or holds NUL or backslash")
    if relative.startswith("/"):
        raise PublishError(f"refusing absolute output path {relative!r}")
    # Split by hand: PurePosixPath would quietly fold "a/./b" and "a//b" into "a/b".
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise PublishError(f"refusing output path {relative!r}: it must name a file inside the output folder")
    return parts


@contextmanager
def _open_parent(output_dir: Path, folders: Sequence[str], where: str) -> Iterator[int]:
    """Yield a descriptor of the folder that will hold the file, creating folders as needed."""
    try:
        # The output folder itself is the operator's choice and may be a symlink; only what
        # lies below it is checked. A missing one is created, as a first run expects.
        Path(output_dir).mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        fd = os.open(output_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise PublishError(f"{where}: cannot open output folder: {error.strerror}") from error
    try:
        for folder in folders:
            child = _open_or_create_folder(fd, folder, where)
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _open_or_create_folder(parent_fd: int, name: str, where: str) -> int:
    try:
        os.mkdir(name, _DIR_MODE, dir_fd=parent_fd)
    except FileExistsError:
        pass
    except OSError as error:
        raise PublishError(f"{where}: cannot create folder {name!r}: {error.strerror}") from error
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            raise PublishError(f"{where}: {name!r} is a symlink or not a folder; refusing") from error
        raise PublishError(f"{where}: cannot open folder {name!r}: {error.strerror}") from error


def _holds_same_bytes(parent_fd: int, name: str, data: bytes, where: str) -> bool:
    try:
        info = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    except OSError as error:
        raise PublishError(f"{where}: cannot inspect: {error.strerror}") from error
    if not stat.S_ISREG(info.st_mode):
        raise PublishError(f"{where}: exists and is not a regular file (symlink?); refusing")
    if info.st_size != len(data):
        return False
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=parent_fd)
    except OSError as error:
        raise PublishError(f"{where}: cannot read: {error.strerror}") from error
    with os.fdopen(fd, "rb") as existing:
        return _stream_equals(existing, data)


def _stream_equals(stream: BinaryIO, data: bytes) -> bool:
    offset = 0
    while chunk := stream.read(_READ_CHUNK):
        if data[offset:offset + len(chunk)] != chunk:
            return False
        offset += len(chunk)
    return offset == len(data)


def _replace_atomically(parent_fd: int, name: str, data: bytes, where: str) -> None:
    temp_name = f".{name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(temp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     _FILE_MODE, dir_fd=parent_fd)
    except OSError as error:
        raise PublishError(f"{where}: cannot create temporary file: {error.strerror}") from error
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp_name, name, src_dir_fd=parent_fd, dst_dir_fd=parent_fd)
    except OSError as error:
        _remove_quietly(parent_fd, temp_name)
        raise PublishError(f"{where}: cannot write: {error.strerror}") from error
    except BaseException:
        _remove_quietly(parent_fd, temp_name)
        raise
    try:
        os.fsync(parent_fd)
    except OSError as error:
        # The rename happened; a folder that cannot be fsynced (some network filesystems)
        # only weakens durability after a crash.
        log.warning("%s: folder fsync failed: %s", where, error.strerror)


_TEMP_NAME = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")


def remove_stale_temp_files(output_dir: Path, older_than: float = 60.0) -> int:
    """Delete temporary files a killed run left behind (only our own naming pattern, only
    regular files older than `older_than` seconds, never through a symlink). Returns the count."""
    removed = 0
    cutoff = time.time() - older_than
    for folder, subfolders, files in os.walk(output_dir, followlinks=False):
        subfolders[:] = [d for d in subfolders if not os.path.islink(os.path.join(folder, d))]
        for name in files:
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
                if _TEMP_NAME.match(name) and stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                    os.unlink(path)
                    removed += 1
            except OSError as error:
                log.warning("could not remove stale temporary file %s: %s", path, error.strerror)
    if removed:
        log.info("removed %d temporary file(s) left by an interrupted run in %s", removed, output_dir)
    return removed


def _remove_quietly(parent_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=parent_fd)
    except FileNotFoundError:
        pass
    except OSError as error:
        log.warning("could not remove temporary file %s: %s", name, error.strerror)


def render_opml(title: str, feeds: Sequence[tuple[str, str, str]]) -> bytes:
    """An OPML 2.0 subscription list of (title, xml_url, html_url), in the order given."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _clean(title)
    body = etree.SubElement(root, "body")
    for feed_title, xml_url, html_url in feeds:
        text = _clean(feed_title)
        etree.SubElement(body, "outline", type="rss", text=text, title=text,
                         xmlUrl=_clean(xml_url), htmlUrl=_clean(html_url))
    return bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True))


def render_index(statuses: Sequence[SectionStatus], base_url: str) -> bytes:
    """index.html: one row per section with its feeds, last successful poll, last error and size."""
    rows = "\n".join(_index_row(status, base_url) for status in statuses)
    page = f"""<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>feedd</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}}\
.error{{color:#a00}}</style>
</head>
<body>
<h1>feedd</h1>
<p>{len(statuses)} sections. <a href="{_attr(_join(base_url, "feeds.opml"))}">OPML</a></p>
<table>
<thead><tr><th>Section</th><th>Feeds</th><th>Last successful poll</th><th>Last error</th>\
<th>Items</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</body>
</html>
"""
    return page.encode("utf-8")


def _index_row(status: SectionStatus, base_url: str) -> str:
    links = " ".join(
        f'<a class="feed" href="{_attr(_join(base_url, path))}">{_text(_feed_label(path))}</a>'
        for path in status.feed_paths
    )
    last_success = (status.last_success.isoformat(timespec="seconds")
                    if status.last_success is not None else "never")
    error = _text(status.last_error) if status.last_error else ""
    return (
        f'<tr id="{_attr(status.key)}">'
        f"<td>{_site_link(status)}<br><code>{_text(status.key)}</code></td>"
        f"<td>{links}</td>"
        f"<td>{_text(last_success)}</td>"
        f'<td class="error">{error}</td>'
        f"<td>{status.item_count}</td></tr>"
    )


def _site_link(status: SectionStatus) -> str:
    # Only web links become anchors: a config typo must not put a javascript: URL on the page.
    if urlsplit(status.site_url).scheme in ("http", "https"):
        return f'<a href="{_attr(status.site_url)}">{_text(status.title)}</a>'
    return _text(status.title)


def _feed_label(path: str) -> str:
    suffix = PurePosixPath(path).suffix
    return {".xml": "RSS", ".atom": "Atom", ".json": "JSON"}.get(suffix, path)


def _join(base_url: str, path: str) -> str:
    quoted = quote(_clean(path), safe="/")
    if not base_url:
        return quoted
    return base_url.rstrip("/") + "/" + quoted


def _clean(value: str) -> str:
    return strip_xml_invalid(value)


def _text(value: str) -> str:
    return html.escape(_clean(value), quote=False)


def _attr(value: str) -> str:
    return html.escape(_clean(value), quote=True)
