"""Disagreements with torch that are known and open (issue 8), by signature ``"op / kind"``.

The CI test (test_differential.py) reports but does not fail on these; ``python -m tests.differential.programs``
marks them in its report. Each entry names the item of issue 8 it belongs to; remove an entry when its fix
lands (``AL_DIFFTEST_STRICT=1`` runs the CI test with the list ignored). ``*`` matches any text.
"""

import re

KNOWN = [
]


def _regex(pattern):
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")


_COMPILED = None


def known_item(signature):
    """The issue item of the first KNOWN entry matching ``(op, kind)``, or None."""
    global _COMPILED
    if _COMPILED is None:
        _COMPILED = [(_regex(p), item) for p, item, _ in KNOWN]
    text = f"{signature[0]} / {signature[1]}"
    return next((item for rx, item in _COMPILED if rx.match(text)), None)


def is_known(signature):
    return known_item(signature) is not None
