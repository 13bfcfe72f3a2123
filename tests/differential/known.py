"""Disagreements with torch that are known and open (issue 8), by signature ``"op / kind"``.

The CI test (test_differential.py) does not fail on these; ``python -m tests.differential.programs``
marks them in its report. Each entry names the item of issue 8 it belongs to; remove an entry when its fix
lands (``AL_DIFFTEST_STRICT=1`` runs the CI test with the list ignored). Signatures match exactly.
"""

# (signature, issue item, why) -- exactly the signatures that the CI budget of test_differential.py (300
# seeded programs) meets today.
KNOWN = [
    # deliberate differences, documented in the README ("Semantics worth knowing")
    *[
        (
            f"exactly 0 where torch multiplies a mask / {kind}",
            "documented difference",
            "abs, l1_loss, amax/amin, "
            "leaky_relu(0), a ** b at a = 0 and the ignored targets of nll/cross_entropy select their gradient where torch multiplies a 0/1 mask into it: an inf "
            "or NaN incoming gradient gives exactly 0 here at the elements that get none, NaN in torch (all other "
            "elements agree: programs.compare_arrays checks)",
        )
        for kind in ("grad-0-for-nan", "grad2-0-for-nan")
    ],
    (
        "hardtanh / grad",
        "torch inconsistency",
        "at NaN torch's vectorised kernel blocks the gradient, its scalar "
        "loop passes it (small tensors); here it always passes",
    ),
    ("relu6 / grad", "torch inconsistency", "as hardtanh"),
    ("gelu / forward-nan", "torch inconsistency", "gelu(+inf) is NaN in torch's vectorised kernel; inf here"),
    (
        "conv2d / forward-nan",
        "documented difference",
        "padding zeros times an infinite weight give NaN here; torch skips the padding",
    ),
    ("conv2d / grad-nan", "documented difference", "as conv2d / forward-nan"),
    *[
        (
            f"{op} of 0-d / {kind}",
            "torch inconsistency",
            "var/std of a 0-d tensor: torch's gradient differs "
            "from the one it gives the 1-element vector (-inf at NaN, NaN at a finite value, no second-order "
            "graph); here a 0-d tensor gets exactly the 1-element vector's values (checked against torch)",
        )
        for op in ("var", "std", "var(correction)", "std(unbiased)")
        for kind in (
            "grad",
            "grad-nan",
            "grad2",
            "grad2-nan",
            "grad-0-for-nan",
            "grad2-0-for-nan",
            "grad-none",
            "grad2-none",
        )
    ],
    (
        "** / grad-nan",
        "documented difference",
        "a ** b at a = 0 with an infinite incoming gradient: exactly 0 "
        "for that element here, NaN in torch; summed over a broadcast dim with other elements, the sum is finite "
        "here and NaN in torch",
    ),
    (
        "** / grad2-nan",
        "documented difference",
        "the second derivative of a ** b in b at a = 0 is 0 here, NaN "
        "in torch; summed over a broadcast dim, finite here and NaN in torch",
    ),
    *[
        (
            f"{op} / raises",
            "torch inconsistency",
            "a tensor written into itself through an index array or a "
            "leading-1 copy (t[mask] = t, t[[0]] = t, t[0] = t for shape (1, 1)): torch refuses or accepts "
            "depending on sizes (it accepts t[[True]] = t for shape (1, 0) and refuses it for (2, 0), accepts t[0] "
            "= t for (1, 3) and refuses it for (1, 1)); here refused whenever an index array writes the very tensor "
            "(except one element through a mask, which torch fills) and accepted for basic indexing",
        )
        for op in (
            "setitem[mask]=same",
            "setitem[array]=same",
            "setitem[mask]=broadcast",
            "setitem[int/slice]=lead1",
            "setitem[mask]=lead1",
            "setitem[array]=lead1",
        )
    ],
    *[
        (
            f"std at std = 0 or round-off / {kind}",
            "documented difference",
            "std of a constant slice: where "
            "it is exactly 0 the first derivative is 0 in both (torch masks 0/0) and the second is 0 here, NaN in "
            "torch (the derivative of the masked 1 / (2 std)); where torch's mean leaves round-off (std ~1e-16) its "
            "gradient is round-off / round-off (e.g. -0.249 for [-1.56] * 3), here std is exactly 0 and so is the "
            "gradient",
        )
        for kind in ("grad", "grad-nan", "grad-0-for-nan", "grad2", "grad2-nan", "grad2-0-for-nan")
    ],
    (
        "abs / grad-nan",
        "documented difference",
        "as 'exactly 0 where torch multiplies a mask', with the 0 "
        "summed with the gradient of another path (inf + 0 here, inf + NaN in torch)",
    ),
    ("l1_loss / grad-nan", "documented difference", "as abs / grad-nan"),
    ("amax / grad-nan", "documented difference", "as abs / grad-nan"),
    ("amin / grad-nan", "documented difference", "as abs / grad-nan"),
    (
        "matmul 2D@ND (a view in torch) / grad-none",
        "torch implementation detail",
        "torch computes some 2-D @ "
        "N-D products as a transpose of a hidden result and returns that view, so an in-place change of it "
        "rebases the hidden result and the old name leaves the graph (grad None); here the product is a tensor "
        "of its own",
    ),
    (
        "first order at 1e+-30 (overflow order) / forward",
        "float rounding",
        "forward values in programs "
        "holding finite values of magnitude 1e30: 1e30 * 2.21 - 1e30 * 2.21 is 0 in torch and the rounding error "
        "of one product (4.5e22) with BLAS's fused multiply-add",
    ),
    (
        "first order at 1e+-30 (overflow order) / grad",
        "float rounding",
        "gradients in programs holding finite "
        "values of magnitude 1e30 (float32 squares overflow): which intermediate overflows depends on the order "
        "of a formula's operations (e.g. -g a / b^2 against -(g a / b) / b)",
    ),
    (
        "conv2d / grad-0-for-nan",
        "documented difference",
        "as conv2d / grad-nan (the padding zero times an infinite weight)",
    ),
    (
        "changed after torch saved it, not read here / grad-raises",
        "documented difference",
        "torch's backward "
        "refuses a tensor changed in place after an op saved it; here only an op whose vjp reads that tensor "
        "(Op.reads) refuses, so e.g. hardtanh or where (which save a mask) still differentiate; a vjp that does "
        "read a changed tensor raises as in torch (tests/autograd/test_views.py)",
    ),
    (
        "setitem[int/slice]=same / raises",
        "torch inconsistency",
        "t[0:1:2] = t: torch refuses a stepped "
        "slice that covers the very same element(s) (its strides differ on a size-1 dim) while it accepts "
        "t[None] = t and t[...] = t; here any write of a tensor onto the same span of itself is accepted",
    ),
    *[
        (
            f"{op} / {kind}",
            "float rounding",
            "a product that overflows inside a matrix product (1e30 * 1e30 "
            "in float32): BLAS's fused multiply-add keeps it exact, so inf - 1e60 stays inf where torch's kernel "
            "gives inf - inf = NaN (in the forward, or in the gradient's matrix products)",
        )
        for op in [f"matmul {a}D@{b}D" for a in range(1, 5) for b in range(1, 5)] + ["linear"]
        for kind in ("forward-nan", "grad-nan")
    ],
    (
        "var(correction) / grad",
        "torch inconsistency",
        "a correction equal to the count (zero degrees of "
        "freedom, the gradient 2 / 0 * (x - mean)): torch gives [inf, -inf] for a contiguous input and [inf, inf] "
        "for the same values transposed; here the formula's [inf, -inf] in both",
    ),
    (
        "var(correction) / grad-0-for-nan",
        "torch inconsistency",
        "a correction above the count: torch's "
        "gradient is NaN for dim=None and -0 for dim=0 over the same element; here -0 for both (2 / (n - c) * 0)",
    ),
    *[
        (
            f"{op} / grad-none",
            "documented difference",
            "an elementwise result of a transposed input is row-major "
            "here, while torch keeps the input's strides; so reshape() of it is a view here and a copy in torch, and "
            "after an in-place change of that result torch's reshaped copy is no longer in its graph (grad None)",
        )
        for op in ("view:reshape", "reshape", "view:flatten", "flatten")
    ],
    (
        "the same elements through views of other strides (only torch refuses) / raises",
        "documented difference",
        "a write of a tensor into a region of itself that holds exactly the same elements in another layout "
        "(t[..., None, 0:1] = t, x *= x.reshape(...)): torch's overlap check compares strides, size-1 dims "
        "included, and refuses; here the write is allowed (numpy copies an overlapping value first), a partial "
        "overlap refused as in torch",
    ),
    (
        "in-place write to a view taken before its base required grad (only torch refuses) / raises",
        "documented difference",
        "t4 = t3.T; t3 *= w (w requires grad); t4[:] = 2.5: torch keeps t4 a leaf and "
        "refuses the write; here t4 is a view in the graph and the write is recorded (a real leaf is refused in "
        "both)",
    ),
    ("elu / grad", "torch inconsistency", "as elu / grad-nan"),
    *[
        (
            f"cross_entropy's input changed in place after the loss / {kind}",
            "documented difference",
            "cross_entropy is one fused op here whose backward reads its input again, so changing that input in "
            "place after the loss makes backward raise (a clear error); torch's log_softmax keeps its output "
            "instead and does not mind",
        )
        for kind in ("grad-raises", "grad2-raises")
    ],
    *[
        (
            f"var/std with correction >= count / {kind}",
            "torch inconsistency",
            "a correction at or above the count "
            "reduced: torch's gradient differs between dim=None and an explicit dim over the same elements (NaN, inf "
            "or -0); here 2 / (n - c) * (x - mean) everywhere",
        )
        for kind in ("grad", "grad-nan", "grad-0-for-nan", "grad2", "grad2-nan", "grad2-0-for-nan", "grad2-none")
    ],
    *[
        (
            f"reshape of a result of a strided input (view here, copy in torch) / {kind}",
            "documented difference",
            "as reshape / grad-none: the reshape shares memory with its input here and not in torch, so a later "
            "in-place write reaches both names here and one in torch (README: views)",
        )
        for kind in (
            "forward",
            "stale",
            "raises",
            "final",
            "final-requires_grad",
            "grad",
            "grad-nan",
            "grad-none",
            "grad-raises",
            "grad2",
            "grad2-nan",
            "grad2-none",
            "grad2-raises",
            "identity",
            "requires_grad",
        )
    ],
    (
        "elu / grad-nan",
        "torch inconsistency",
        "at NaN torch's vectorised elu_backward gives NaN, its scalar "
        "loop (tensors of fewer than 8 or 16 elements) passes the gradient; here it always passes",
    ),
    (
        "conv2d(no input channels) / shape",
        "torch bug",
        "a convolution over zero input channels: torch returns "
        "zero output channels (ignoring the weight's count and the bias); here (N, C_out, Ho, Wo) holding the "
        "bias, the sum over no channels",
    ),
    *[
        (
            f"pad(circular, crop and wrap) / {kind}",
            "torch bug",
            "circular padding with a negative width on one "
            "side and a positive one on the other: torch reads uninitialised memory (values like 4.7e-310); here "
            "the cropped part is wrapped",
        )
        for kind in ("forward", "forward-nan", "grad", "grad-nan", "raises")
    ],
    *[
        (
            f"second order at inf/NaN/1e+-30 / {kind}",
            "formula-dependent",
            "second derivatives in programs whose "
            "values include inf, NaN or 1e+-30: which of 0, NaN or round-off comes out depends on the order in which "
            "a double-backward formula multiplies its factors (torch's own scalar and vectorised kernels differ "
            "there); first derivatives at such values follow torch (tests/ops/test_nonfinite.py)",
        )
        for kind in ("grad2", "grad2-nan", "grad2-none", "grad2-0-for-nan")
    ],
    (
        "adaptive_avg_pool2d / forward",
        "float rounding",
        "windows mixing +-1e30 with small values: the sum's "
        "order decides what cancels (numpy's pairwise sum vs torch's loop)",
    ),
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
