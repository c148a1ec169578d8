"""Certificate codes: 80 random bits, written in Crockford base32.

`LAU-XXXX-XXXX-XXXX-XXXX` is easy to read aloud and to type: Crockford's
alphabet has no I, L, O or U, and reading forgives case, dashes and the
look-alikes (O→0, I/L→1).
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "LAU"
GROUPS = 4
GROUP_SIZE = 4  # 16 symbols of 5 bits: 80 bits
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SHAPE = re.compile(rf"^{PREFIX}(?:-[{ALPHABET}]{{{GROUP_SIZE}}}){{{GROUPS}}}$")


def new_code() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_SIZE))
    groups = [symbols[i : i + GROUP_SIZE] for i in range(0, len(symbols), GROUP_SIZE)]
    return "-".join([PREFIX, *groups])


def normalise_code(text: str) -> str | None:
    """The canonical code for what someone typed, or None if it cannot be one."""
    compact = re.sub(r"[\s-]", "", text.upper())
    if compact.startswith(PREFIX):
        compact = compact[len(PREFIX) :]
    compact = compact.translate(_LOOKALIKES)
    if len(compact) != GROUPS * GROUP_SIZE:
        return None
    code = "-".join([PREFIX] + [compact[i : i + GROUP_SIZE] for i in range(0, len(compact), 4)])
    return code if _SHAPE.match(code) else None
