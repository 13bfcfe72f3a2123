"""Disagreements with torch that are known and open (issue 8), by signature ``"op / kind"``.

The CI test (test_differential.py) does not fail on these; ``python -m tests.differential.programs``
marks them in its report. Each entry names the item of issue 8 it belongs to; remove an entry when its fix
lands (``AL_DIFFTEST_STRICT=1`` runs the CI test with the list ignored). Signatures match exactly.
"""

# (signature, issue 8 item, why) -- exactly the signatures that the CI budget of test_differential.py (300
# seeded programs) meets today; /work/wt/difftest-findings.md has the long run's classes with reproducers.
KNOWN = [
    # item 1 -- masks multiplied where they must select
    ("clamp / grad-nan", "issue 8 item 1", "1 / clamp(x, min=0) at x < 0: gradient NaN (inf * 0), torch 0"),
    # item 2 -- views go stale; an in-place change of a tensor backward still needs must raise
    ("zero_ / final", "issue 8 item 2", "v = b[0:2]; b.zero_(): v keeps its old values"),
    ("sub_ / grad-none", "issue 8 item 2", "v = b.unsqueeze(0); v.sub_(x): autograd.grad w.r.t. b is None"),
    ("*= / grad-raises", "issue 8 item 2", "torch: 'modified by an inplace operation'; al uses the old value"),
    ("relu_ / grad-raises", "issue 8 item 2", "torch: 'modified by an inplace operation'; al uses the old value"),
    # item 5 -- ops that return their input object
    ("view:T / identity", "issue 8 item 5", ".T of a 0-d/1-d tensor returns the same object"),
    (".T / identity", "issue 8 item 5", ".T of a 0-d/1-d tensor returns the same object"),
    ("t() / identity", "issue 8 item 5", ".t() of a 0-d/1-d tensor returns the same object"),
    # item 6 -- shapes and dtypes (and float32 range)
    ("cat / dtype", "issue 8 item 6", "cat of int64 and float32 gives float64 (torch: float32)"),
    ("/ / grad-nan", "issue 8 item 6 (float32 range)", "a / b in float32 at |b| ~ 1e-30: b * b underflows in backward"),
    # clear errors / accepted where torch refuses
    ("t() / raises", "issue 8 clear errors", ".t() of a 3-D tensor is accepted (torch refuses)"),
    ("nll_loss / raises", "issue 8 clear errors (new case)", "nll_loss of an (N, 0) input: bare numpy IndexError"),
    # conventions at NaN/inf inputs and kinks (follow torch or document)
    ("r/ scalar / grad2-nan", "issue 8 conventions", "second derivative of c / x at x = 0: torch -inf, al NaN"),
    ("min() / grad-nan", "issue 8 conventions (documented)", "NaN in a full min(): torch sends the gradient to the NaN"),
    # not in issue 8
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
