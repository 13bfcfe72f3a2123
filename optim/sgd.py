"""``SGD``: stochastic gradient descent with momentum, L2 weight decay (torch's) and L1 decay (Nielsen's book)."""

import numpy as np

from autograd_lite._internal import wrap

from .optimizer import Optimizer, check_hyper

__all__ = ["SGD"]


class SGD(Optimizer):
    """torch.optim.SGD's update, plus ``l1_decay``: the book's L1 rule ``w -= lr * l1_decay * sign(w)``.

    With ``l1_decay=0`` every update is torch's: ``g = grad + weight_decay * w``; with momentum μ the buffer
    is ``b = g`` on the first step, then ``b = μ b + (1 - dampening) g``; the step is ``g + μ b`` (Nesterov) or
    ``b``; and ``w -= lr * step``. ``l1_decay`` adds ``l1_decay * sign(w)`` to ``g`` (sign(0) = 0), so weights
    shrink toward zero by a constant amount; a weight that the shrink alone would carry across zero stops
    at exactly 0 (without momentum it then stays there while its gradient is 0), so weights that carry no
    signal reach zero instead of oscillating around it. The book's λ/n is ``l1_decay`` here;
    ``l1_stop_at_zero=False`` gives the book's rule exactly (eq. 97: a weight may cross zero).
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        momentum=0.0,
        dampening=0.0,
        weight_decay=0.0,
        nesterov=False,
        *,
        l1_decay=0.0,
        l1_stop_at_zero=True,
        maximize=False,
    ):
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            l1_decay=l1_decay,
            l1_stop_at_zero=l1_stop_at_zero,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        check_hyper("SGD", "lr", group["lr"])
        check_hyper("SGD", "momentum", group["momentum"], 0.0, 1.0, high_open=True)
        check_hyper("SGD", "dampening", group["dampening"], 0.0, 1.0)
        check_hyper("SGD", "weight_decay", group["weight_decay"])
        check_hyper("SGD", "l1_decay", group["l1_decay"])
        if not isinstance(group["l1_stop_at_zero"], bool):
            raise TypeError(f"SGD: l1_stop_at_zero must be True or False, got {group['l1_stop_at_zero']!r}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True requires momentum > 0 and dampening = 0, got momentum="
                f"{group['momentum']} and dampening={group['dampening']}"
            )

    def _update(self, group, params, grads):
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, l1_decay = group["weight_decay"], group["l1_decay"]
        for p, grad in zip(params, grads):
            w = p._array
            g = -grad if group["maximize"] else grad
            if weight_decay != 0:
                g = g + weight_decay * w
            if l1_decay != 0:
                sign = np.sign(w)
                g = g + l1_decay * sign
            if momentum != 0:
                g = self._momentum(self.state[p], g, momentum, dampening, group["nesterov"])
            if l1_decay != 0 and group["l1_stop_at_zero"]:
                _step_stopping_at_zero(w, sign, g, lr, lr * l1_decay)
            else:
                w -= lr * g

    @staticmethod
    def _momentum(state, g, momentum, dampening, nesterov):
        """Update the momentum buffer with ``g``; the step direction (the buffer, or Nesterov's look-ahead)."""
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = state["momentum_buffer"] = wrap(np.array(g, copy=True))
        else:
            b = buf._array
            b *= momentum
            b += (1 - dampening) * g
        return g + momentum * buf._array if nesterov else buf._array


def _step_stopping_at_zero(w, before, step, lr, shrink):
    """``w -= lr * step``, except that entries which cross zero (from sign ``before``) by no more than
    ``shrink`` become exactly 0."""
    w -= lr * step
    crossed = (np.sign(w) == -before) & (before != 0) & (np.abs(w) <= shrink)
    w[crossed] = 0
