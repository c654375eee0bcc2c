"""Ids and other integers read from text (admin query parameters, a JWT's ``sub``): decimal digits only.

``int()`` is generous: it accepts surrounding whitespace (``" 7 "``), underscores (``"1_000"``) and digits
of every script (``"\\u0665"``, an Arabic-Indic five). Any of those let two different texts name the same id,
which a cache, an audit line or a comparison made before parsing would treat as different. So an id in text
is ``^-?[0-9]+$`` within the 64-bit range, and nothing else.
"""

from __future__ import annotations

import re

_DECIMAL = re.compile(r"-?[0-9]+")
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def parse_int64(text: str) -> int:
    """``text`` as a 64-bit integer; ValueError unless it is an optional ``-`` and ASCII digits only."""
    if not isinstance(text, str) or _DECIMAL.fullmatch(text) is None:
        raise ValueError(f"not a decimal integer: {text!r}")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"out of the 64-bit range: {text!r}")
    return value
