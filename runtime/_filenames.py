"""File names made from names people type into Mode, safe on every OS."""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
# Windows refuses these as a name's stem whatever the extension ("nul.sql", "COM1.csv").
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)


def safe_name(name: str, *, limit: int = 120, empty: str = "query") -> str:
    """``name`` as one plain file name: no separators, control or reserved characters, no
    leading dot (a hidden file, or ``..``), no trailing dot or space (Windows drops them), not
    a device name (``CON``, ``NUL``...), at most ``limit`` characters; ``empty`` if nothing is
    left. Unicode is composed (NFC), so one name is one file on macOS and Linux alike."""
    cleaned = unicodedata.normalize("NFC", name)
    cleaned = _UNSAFE.sub("_", cleaned).strip().lstrip(".").rstrip(". ")[:limit].rstrip(". ")
    if _RESERVED.match(cleaned):
        cleaned = f"_{cleaned}"
    return cleaned or empty
