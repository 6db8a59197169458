"""Parsing of clock and media timestamps shared by the readers."""

from __future__ import annotations

import re

MEDIA_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$")


def parse_media_time(text: str) -> float | None:
    """Seconds of ``[hh:]mm:ss[.mmm]`` (also ``,mmm`` as in SRT), or None if malformed."""
    match = MEDIA_TIME.match(text.strip())
    if not match:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(minutes) > 59 and hours is not None or int(seconds) > 59:
        return None
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    if fraction:
        value += int(fraction) / 10 ** len(fraction)
    return float(value)
