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
    *[(f"{op} of 0-d / {kind}", "torch inconsistency", "var/std of a 0-d tensor: torch's gradient differs "
       "from the one it gives the 1-element vector (-inf at NaN, NaN at a finite value, no second-order "
       "graph); here a 0-d tensor gets exactly the 1-element vector's values (checked against torch)")
      for op in ("var", "std", "var(correction)", "std(unbiased)") for kind in ("grad", "grad-nan", "grad2",
                                                                               "grad2-nan")],
    ("elu / grad-nan", "torch inconsistency", "at NaN torch's vectorised elu_backward gives NaN, its scalar "
     "loop (tensors of fewer than 8 or 16 elements) passes the gradient; here it always passes"),
    ("conv2d(no input channels) / shape", "torch bug", "a convolution over zero input channels: torch returns "
     "zero output channels (ignoring the weight's count and the bias); here (N, C_out, Ho, Wo) holding the "
     "bias, the sum over no channels"),
    *[(f"pad(circular, crop and wrap) / {kind}", "torch bug", "circular padding with a negative width on one "
       "side and a positive one on the other: torch reads uninitialised memory (values like 4.7e-310); here "
       "the cropped part is wrapped") for kind in ("forward", "forward-nan", "grad", "grad-nan", "raises")],
    *[(f"second order at inf/NaN/1e+-30 / {kind}", "formula-dependent", "second derivatives in programs whose "
       "values include inf, NaN or 1e+-30: which of 0, NaN or round-off comes out depends on the order in which "
       "a double-backward formula multiplies its factors (torch's own scalar and vectorised kernels differ "
       "there); first derivatives at such values follow torch (tests/ops/test_nonfinite.py)")
      for kind in ("grad2", "grad2-nan", "grad2-none")],
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
