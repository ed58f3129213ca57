"""Page bytes to text: BOM, HTTP header charset, <meta> charset, then detection.

Chinese portals often declare gb2312 while writing characters only gbk/gb18030 has, and some
send a UTF-8 header in front of GBK bytes; a declaration is therefore only trusted when the bytes
decode under it. Text that decodes but is double-encoded (UTF-8 read as latin-1 or GBK and saved
again) is refused rather than passed on as garbage.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Final

from feedd.errors import DecodeError

logger = logging.getLogger(__name__)

# GB2312 and GBK are subsets of GB18030; pages labelled with them routinely use the wider set.
_SUPERSETS: Final = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252",
    "us-ascii": "cp1252", "big5": "big5hkscs",
}
_LATIN_FAMILY: Final = frozenset({"cp1252", "iso8859-15", "latin-1"})
_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HEADER_CHARSET: Final = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_META_CHARSET: Final = re.compile(
    rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_BINARY_MAGIC: Final = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"\x00\x00\x01")
# A run of non-ASCII letters long enough to be a word or phrase, where mojibake shows.
_NON_ASCII_RUN: Final = re.compile(r"[^\x00-\x7f\s]{4,}")
_CJK: Final = re.compile(r"[\u3400-\u9fff]")
# Runs that must re-decode as UTF-8 before a page counts as mojibake: stray ones happen in quotes.
_MOJIBAKE_RUNS: Final = 8
_SAMPLED_RUNS: Final = 120
_SAMPLED_CHARS: Final = 60_000
# The charsets UTF-8 is commonly misread as, by the highest character they can produce.
_WRONG_CHARSETS_UP_TO_LATIN: Final = ("cp1252", "latin-1", "gb18030")
_WRONG_CHARSETS_UP_TO_CP1252: Final = ("cp1252", "gb18030")
_WRONG_CHARSETS_BEYOND: Final = ("gb18030",)
_ASCII_CHUNK: Final = 512
# Share of undecodable bytes under which a declared charset is still read (a few stray bytes).
_TOLERATED_ERRORS: Final = 0.002


@dataclass(frozen=True)
class DecodedPage:
    """A page's text, and its bytes too when they are exactly that text in UTF-8: the parser reads
    UTF-8 bytes, and re-encoding a long non-ASCII text costs more than parsing a tenth of it."""

    text: str
    utf8: bytes | None = None


def decode_html(body: bytes, content_type: str | None) -> str:
    """Decode page bytes to text; raise DecodeError for binary data, unknown charsets or mojibake."""
    return decode_page(body, content_type).text


def decode_page(body: bytes, content_type: str | None) -> DecodedPage:
    """decode_html, keeping the bytes when they were read as UTF-8 unchanged."""
    if not body:
        return DecodedPage("")
    _refuse_binary(body)
    # Decoded once: the UTF-8 check below and the first candidate are usually the same decode.
    ascii_only = body.isascii()
    as_utf8 = None if ascii_only else _strict(body, "utf-8")
    candidates = _declared_candidates(body, content_type, as_utf8 is not None)
    for encoding in candidates:
        if encoding == "utf-8" and as_utf8 is not None:
            return DecodedPage(_checked(as_utf8, encoding), body)
        text = _strict(body, encoding)
        if text is not None:
            return DecodedPage(_checked(text, encoding))
    for encoding in candidates:
        text = _tolerant(body, encoding)
        if text is not None:
            return DecodedPage(_checked(text, encoding))
    detected = _detect(body)
    if detected is not None:
        return DecodedPage(_checked(detected[0], detected[1]))
    raise DecodeError(f"bytes fit none of the charsets tried ({', '.join(candidates) or 'none declared'})")


def _normalise(label: str) -> str | None:
    name = label.strip().strip("\"'").lower()
    if name.replace("-", "").replace("_", "") == "utf7":
        # UTF-7 turns "+ADw-script+AD4-" into markup; browsers refuse it, and so do we.
        return None
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, _SUPERSETS.get(canonical, canonical))


def _declared_candidates(body: bytes, content_type: str | None, valid_utf8: bool) -> list[str]:
    """Encodings to try in order: BOM, header, meta, then the two common web encodings."""
    found: list[str] = []
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            found.append(encoding)
    header = _HEADER_CHARSET.search(content_type or "")
    header_encoding = _normalise(header.group(1)) if header else None
    meta = _META_CHARSET.search(body[:4096])
    meta_encoding = _normalise(meta.group(1).decode("ascii", "ignore")) if meta else None
    # A latin-1 header is often the server's default, not the author's choice: the page's own
    # <meta> knows better.
    if header_encoding in _LATIN_FAMILY and meta_encoding is not None:
        header_encoding = None
    # Bytes that are valid UTF-8 and not plain ASCII are UTF-8 whatever the labels say: other
    # charsets almost never form valid multi-byte UTF-8 sequences by chance.
    if not found and valid_utf8:
        found.append("utf-8")
    for declared in (header_encoding, meta_encoding, "utf-8"):
        if declared is not None and declared not in found:
            found.append(declared)
    return found


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _tolerant(body: bytes, encoding: str) -> str | None:
    """Decode with replacement when only a handful of bytes are bad (a truncated character)."""
    try:
        text = body.decode(encoding, errors="replace")
    except LookupError:
        return None
    if text.count("\ufffd") > max(2, len(body) * _TOLERATED_ERRORS):
        return None
    return text


def _detect(body: bytes) -> tuple[str, str] | None:
    # Imported here: most pages are settled by their labels, and the detector costs 12 ms to load.
    import charset_normalizer

    best = charset_normalizer.from_bytes(body[:200_000]).best()
    if best is None or best.encoding is None:
        return None
    encoding = _normalise(best.encoding) or best.encoding
    text = _strict(body, encoding)
    if text is None:
        return None
    logger.debug("charset detected as %s", encoding)
    return text, encoding


def _refuse_binary(body: bytes) -> None:
    head = body[:1024]
    if head.startswith(_BINARY_MAGIC):
        raise DecodeError("body is binary data (a file signature), not a page")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    if body.count(0, 0, 8192) > min(len(body), 8192) // 100:
        raise DecodeError("body is binary data (NUL bytes), not a page")


def _checked(text: str, encoding: str) -> str:
    """Refuse double-encoded text: runs of odd characters that re-decode cleanly as UTF-8."""
    # A sample is enough: double encoding affects a whole page, not one paragraph.
    runs = list(islice(_non_ascii_runs(text[:_SAMPLED_CHARS]), _SAMPLED_RUNS))
    if not runs:
        return text
    needed = max(_MOJIBAKE_RUNS, (len(runs) + 1) // 2)
    repaired = 0
    for examined, run in enumerate(runs):
        if repaired + len(runs) - examined < needed:
            return text  # even if every run left were misread, too few would be
        repaired += _is_misread_utf8(run)
    if repaired >= needed:
        raise DecodeError(
            f"text decoded as {encoding} is double-encoded mojibake "
            f"({repaired} of {len(runs)} non-ASCII runs are UTF-8 bytes read in another charset)")
    return text


def _non_ascii_runs(sample: str) -> Iterator[str]:
    """The sample's runs of non-ASCII letters, in order. The regex costs ~10 ns a character, so it
    only reads stretches holding non-ASCII text: a run never crosses a chunk that is all ASCII."""
    region: int | None = None
    for offset in range(0, len(sample) + _ASCII_CHUNK, _ASCII_CHUNK):
        plain = offset >= len(sample) or sample[offset: offset + _ASCII_CHUNK].isascii()
        if plain and region is not None:
            for match in _NON_ASCII_RUN.finditer(sample, region, offset):
                yield match.group()
            region = None
        elif not plain and region is None:
            region = offset


def _is_misread_utf8(run: str) -> bool:
    """True when the run's bytes in a common wrong charset are (nearly all) valid UTF-8.

    A run cut out of double-encoded text may split a UTF-8 sequence at either end, so two
    replacement characters are allowed; genuine text re-read this way is mostly replacements.
    """
    # cp1252 and latin-1 have nothing above U+2122 and U+00FF: a run of Chinese text is tried in
    # gb18030 alone, without two encodings that would each raise.
    highest = max(run)
    for wrong in _WRONG_CHARSETS_UP_TO_LATIN if highest <= "\xff" else \
            _WRONG_CHARSETS_UP_TO_CP1252 if highest <= "\u2122" else _WRONG_CHARSETS_BEYOND:
        try:
            raw = run.encode(wrong)
        except UnicodeEncodeError:
            continue
        original = raw.decode("utf-8", errors="replace")
        bad = original.count("\ufffd")
        if bad <= 2 and len(original) - bad >= 2 and len(original) < len(run):
            return True
    return False
