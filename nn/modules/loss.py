"""nn layers: loss family (torch.nn's MSELoss, L1Loss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss).

Each is a thin Module over the function of the same name in ``nn.functional``, with torch's constructor
arguments (the deprecated ``size_average``/``reduce`` included), ``weight``/``pos_weight`` registered as
buffers (so they follow ``.to(dtype)`` and appear in ``state_dict`` under the same keys as in torch) and
torch's repr (``CrossEntropyLoss()``: torch's losses show no arguments). Call as ``loss_fn(input, target)``.
An invalid ``reduction`` is refused already by the constructor (torch waits for the first call).

Nielsen's costs ("Neural Networks and Deep Learning")
----------------------------------------------------
With ``a`` the network's outputs for a mini-batch of ``n`` inputs, shape ``(n, n_out)``, ``y`` the desired
outputs of the same shape, and ``z`` the output layer's weighted inputs (so ``a = sigmoid(z)``):

* The quadratic cost (chapter 1, eq. 6), ``C = 1/(2n) * sum_x ||y(x) - a(x)||^2``::

      C = 0.5 * nn.MSELoss(reduction='sum')(a, y) / n
      C = 0.5 * n_out * nn.MSELoss()(a, y)          # the same: MSELoss() averages over n * n_out numbers

  (``MSELoss()`` alone is the book's cost times ``2 / n_out``: the same minimum, a smaller learning rate.)

* The cross-entropy cost for sigmoid outputs (chapter 3, eq. 63),
  ``C = -1/n * sum_x sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]``::

      C = nn.BCELoss(reduction='sum')(a, y) / n
      C = nn.BCEWithLogitsLoss(reduction='sum')(z, y) / n   # from z: stable, no ln(0) when a saturates
      C = n_out * nn.BCELoss()(a, y)                         # BCELoss() averages over n * n_out numbers

  Its gradient with respect to ``z`` is ``(a - y) / n``: no ``sigmoid'(z)`` factor, which is the book's
  point about learning slowdown.

* The log-likelihood cost for a softmax output layer (chapter 3), ``C = -1/n * sum_x ln a_{y(x)}`` with
  ``y(x)`` the class index: ``nn.CrossEntropyLoss()(z, labels)`` (from the weighted inputs ``z``; the
  softmax is inside, fused and stable), or ``nn.NLLLoss()(F.log_softmax(z, 1), labels)``.
"""

from autograd_lite.ops.base import OpError
from autograd_lite import Tensor

from .. import _checks
from .. import functional as F
from .._functional.loss import check_reduction, legacy_reduction
from .module import Module

__all__ = [
    "MSELoss",
    "L1Loss",
    "CrossEntropyLoss",
    "NLLLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "SmoothL1Loss",
    "HuberLoss",
    "KLDivLoss",
]


def _buffer(value):
    if value is None or isinstance(value, Tensor):
        return value
    return Tensor(value)  # an array keeps its dtype; a list of floats takes the default dtype


class _Loss(Module):
    """Base of the losses: holds ``reduction`` ('mean', 'sum' or 'none')."""

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = legacy_reduction(size_average, reduce)
        self.reduction = check_reduction(type(self).__name__, reduction)


class _WeightedLoss(_Loss):
    """A loss with an optional per-class ``weight`` buffer."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))


class MSELoss(_Loss):
    """Mean squared error between input and target (same shapes): ``mean((input - target) ** 2)``."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error between input and target (same shapes): ``mean(|input - target|)``."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices under log-probabilities (pair it with log_softmax)."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = _checks.size("NLLLoss", "ignore_index", ignore_index, minimum=-float("inf"))

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy from logits against class indices or class probabilities (fused, stable)."""

    def __init__(
        self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean", label_smoothing=0.0
    ):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = _checks.size("CrossEntropyLoss", "ignore_index", ignore_index, minimum=-float("inf"))
        self.label_smoothing = _checks.real("CrossEntropyLoss", "label_smoothing", label_smoothing)
        if not 0.0 <= self.label_smoothing <= 1.0:
            raise OpError(f"CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")

    def forward(self, input, target):
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities in [0, 1] (logs clamped at -100, as torch)."""

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy from logits (sigmoid inside, stable for any finite logit); ``pos_weight``
    weighs the positive term, one entry per class along the last dim."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))
        self.register_buffer("pos_weight", _buffer(pos_weight))

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(
            input, target, weight=self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class SmoothL1Loss(_Loss):
    """0.5 * d^2 / beta where |d| < beta, |d| - 0.5 * beta elsewhere (d = input - target)."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5 * d^2 where |d| < delta, delta * (|d| - 0.5 * delta) elsewhere (d = input - target)."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """Pointwise KL divergence of the target from log-probabilities ``input`` (``log_target``: the target as
    log-probabilities too); reduction also 'batchmean' (the KL divergence per sample)."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        if reduction == "batchmean" and size_average is None and reduce is None:
            super().__init__()
            self.reduction = "batchmean"
        else:
            super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
