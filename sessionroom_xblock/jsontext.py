"""JSON from browsers, booking systems and providers, read so that bad input is refused at the door.

JSON may escape a lone UTF-16 surrogate (``"\\ud800"``). Python reads it into a ``str`` that no UTF-8 encoder
and no database accepts, so a chat line, a name or an id carrying one would fail deep inside a save, as a
server error. Deeply nested JSON exhausts the parser's recursion, the same way. Both are a ``ValueError``
here, which every door answers with 400.
"""

from __future__ import annotations

import json
from typing import Any


def is_text(value: Any) -> bool:
    """True when every string in ``value`` (keys too, at any depth) is valid Unicode text."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def loads(raw: bytes | str) -> Any:
    """The JSON value of ``raw``; ``ValueError`` when it is not JSON, or not made of text."""
    try:
        value = json.loads(raw)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    if not is_text(value):
        raise ValueError("JSON string that is not text (a lone surrogate)")
    return value


#: The longest id kept from outside (``Recording.provider_recording_id``: 191 characters fit a utf8mb4 index).
MAX_ID_LENGTH = 191


def identifier(value: Any) -> str:
    """An id (meeting, user, recording) named in JSON, as text that fits our columns; "" for anything else."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return ""
    if isinstance(value, int):
        return str(value) if abs(value) < 10**MAX_ID_LENGTH else ""
    return value if len(value) <= MAX_ID_LENGTH and is_text(value) else ""
