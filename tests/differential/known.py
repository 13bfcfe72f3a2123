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
    ("abs / grad-nan", "documented difference", "an inf/NaN incoming gradient at x = 0 or NaN gives 0 here"),
    ("l1_loss / grad-nan", "documented difference", "as abs"),
    ("amax / grad-nan", "documented difference", "an inf incoming gradient at non-maximal elements gives 0 here"),
    ("amin / grad-nan", "documented difference", "as amax"),
    ("conv2d / forward-nan", "documented difference", "padding zeros times an infinite weight give NaN here; "
     "torch skips the padding"),
    ("conv2d / grad-nan", "documented difference", "as conv2d / forward-nan"),
    ("var / grad2-nan", "torch inconsistency", "var of a 0-d tensor: torch's gradient has no graph (no second "
     "order); here the second derivative over one element is NaN as for a 1-element vector in torch"),
    ("var(correction) / grad2-nan", "torch inconsistency", "as var / grad2-nan"),
    ("adaptive_avg_pool2d / forward", "float rounding", "windows mixing +-1e30 with small values: the sum's "
     "order decides what cancels (numpy's pairwise sum vs torch's loop)"),
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
