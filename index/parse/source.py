"""Turning a file's bytes into text we can parse, or a clear reason why not."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.parse.text import strip_control

MAX_ISSUE_BYTES = 4 * 1024 * 1024
# Control characters other than tab and newline, and the replacement character that a
# failed decode leaves: many of them mean a binary file.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffd]")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


class UnreadableFile(Exception):
    """The bytes are not an issue file at all (empty, binary, too large)."""


@dataclass
class DecodedText:
    text: str
    warnings: list[str] = field(default_factory=list)


def decode(data: bytes) -> DecodedText:
    """Decode an issue file's bytes, normalising line ends.

    Returns the text with warnings for what was repaired (byte-order mark, CRLF, bytes
    that are not UTF-8, which are read as Windows-1252 so no text is lost).
    Raises UnreadableFile for an empty, binary or oversized file.
    """
    if len(data) > MAX_ISSUE_BYTES:
        raise UnreadableFile(
            f"file is {len(data) / 1024 / 1024:.1f} MiB; an issue file may be at most "
            f"{MAX_ISSUE_BYTES // 1024 // 1024} MiB"
        )
    warnings: list[str] = []
    encoding = "utf-8"
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            data = data[len(bom) :]
            encoding = bom_encoding
            warnings.append(f"starts with a {bom_encoding.upper()} byte-order mark (ignored)")
            break
    if not data.strip():
        raise UnreadableFile("empty file")
    if encoding == "utf-8" and b"\x00" in data[:65536]:
        raise UnreadableFile("binary file (contains NUL bytes), not a newsletter issue")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        warnings.append(
            f"not valid {encoding.upper()} (first bad byte at offset {error.start}); "
            "read as Windows-1252"
        )
        text = data.decode("cp1252", errors="replace")
    if "\r" in text:
        if "\r\n" in text:
            warnings.append("CRLF line endings (normalised)")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    head = text[:4096]
    if len(_UNPRINTABLE.findall(head)) > 0.15 * len(head):
        raise UnreadableFile("binary file (mostly unprintable bytes), not a newsletter issue")
    cleaned = strip_control(text)
    if cleaned != text:
        warnings.append("control characters removed")
    return DecodedText(cleaned, warnings)
