"""Disagreements with torch that are known and open (issue 8), by signature ``"op / kind"``.

The CI test (test_differential.py) reports but does not fail on these; ``python -m tests.differential.programs``
marks them in its report. Each entry names the item of issue 8 it belongs to; remove an entry when its fix
lands (``AL_DIFFTEST_STRICT=1`` runs the CI test with the list ignored). Signatures match exactly.
"""

# (signature pattern, issue 8 item, why) -- exactly the signatures the CI budget of test_differential.py
# meets today; /work/wt/difftest-findings.md has the long run's full list with reproducers.
KNOWN = [
    # item 2 -- views go stale; an in-place change of a tensor backward still needs must raise
    ("mul_ / stale", "issue 8 item 2 (views)", "b[0:2] keeps the old values after b.mul_(...)"),
    ("*= / grad-raises", "issue 8 item 2 (views)", "torch: 'modified by an inplace operation'; al: old value kept"),
    ("setitem[int/slice]=same / grad-raises", "issue 8 item 2 (views)", "y = sqrt(x); y[:] = v: torch raises in backward"),
    ("setitem[int/slice]=scalar / grad-raises", "issue 8 item 2 (views)", "y = relu(x); y[:] = 0: torch raises in backward"),
    # item 5 -- ops that return their input object
    (".T / identity", "issue 8 item 5", ".T of a 0-d/1-d tensor returns the same object"),
    ("transpose / identity", "issue 8 item 5", "transpose of a 0-d tensor returns the same object"),
    ("view:transpose / identity", "issue 8 item 5", "transpose(0, -1) of a 1-d tensor returns the same object"),
    ("max(dim) / identity", "issue 8 item 5", "max(x, 0).values of a 0-d x is x"),
    ("min(dim) / identity", "issue 8 item 5", "min(x, 0).values of a 0-d x is x"),
    # item 6 -- shapes and dtypes
    ("stack / dtype", "issue 8 item 6", "stack of int64 and float32 gives float64 (torch: float32)"),
    ("setitem[mask]=lead1 / raises", "issue 8 item 6", "y[mask] = v with extra leading size-1 dims in v"),
    ("setitem[int/slice]=lead1 / grad-shape", "issue 8 item 6", "y[i] = v, v with leading size-1 dims: v.grad shape"),
    ("div() / grad", "issue 8 item 6 (float32 range)", "x / x in float32 at |x| ~ 1e-30: x*x underflows in backward"),
    # clear errors
    ("var / grad-raises", "issue 8 clear errors", "var() of one element: bare ZeroDivisionError in backward (torch: NaN)"),
    ("argmin / raises", "issue 8 clear errors (accepted where torch refuses)", "argmin(dim=1) of a 0-d tensor"),
    # conventions at NaN/inf inputs and kinks (follow torch or document)
    ("var(correction) / grad-nan", "issue 8 conventions", "var with correction >= n: torch's gradient is NaN, al's 0"),
    ("cross_entropy / grad-nan", "issue 8 conventions", "torch's NaN from 0 * inf terms (zero weight, -inf logit)"),
    ("cross_entropy / forward-nan", "issue 8 conventions", "label_smoothing with a -inf logit and zero weight"),
    ("r/ scalar / grad2-nan", "issue 8 conventions", "second derivative of c / x at x = 0: torch -inf, al NaN"),
    ("/ / grad2-nan", "issue 8 conventions", "second derivatives of a / b at b = 0 or inf"),
    ("** / grad2-nan", "issue 8 conventions", "second derivative of 0 ** x: torch NaN, al 0"),
    # not (yet) in issue 8
    ("sign / requires_grad", "new: not in issue 8", "torch.sign(x) requires grad (zero gradient) when x does"),
    ("conv2d / raises", "new: not in issue 8 (documented limitation)", "conv2d with groups > 1 is not implemented"),
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
