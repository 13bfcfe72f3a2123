"""Disagreements with torch that are known and open (issue 8), by signature ``"op / kind"``.

The CI test (test_differential.py) does not fail on these; ``python -m tests.differential.programs``
marks them in its report. Each entry names the item of issue 8 it belongs to; remove an entry when its fix
lands (``AL_DIFFTEST_STRICT=1`` runs the CI test with the list ignored). Signatures match exactly.
"""

# (signature, issue item, why) -- exactly the signatures that the CI budget of test_differential.py (300
# seeded programs) meets today.
KNOWN = [
    # deliberate differences, documented in the README ("Semantics worth knowing")
    ("** / grad2-nan", "documented difference", "second derivative of a ** b in b at a = 0: 0 here, NaN in torch"),
    ("hardtanh / grad", "torch inconsistency", "at NaN torch's vectorised kernel blocks the gradient, its scalar "
     "loop passes it (small tensors); here it always passes"),
    ("relu6 / grad", "torch inconsistency", "as hardtanh"),
    ("gelu / forward-nan", "torch inconsistency", "gelu(+inf) is NaN in torch's vectorised kernel; inf here"),
    # not in issue 8: a documented limitation (grouped convolution is not implemented; it raises a clear error)
    ("conv2d / raises", "not in issue 8: documented limitation", "conv2d with groups > 1 is not implemented"),
]


_INDEX = None


def known_item(signature):
    """The issue item of the KNOWN entry for ``(op, kind)`` (matched exactly), or None."""
    global _INDEX
    if _INDEX is None:
        _INDEX = {pattern: item for pattern, item, _ in KNOWN}
    return _INDEX.get(f"{signature[0]} / {signature[1]}")


def is_known(signature):
    return known_item(signature) is not None
