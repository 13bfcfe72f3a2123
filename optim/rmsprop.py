"""``RMSprop``: divide the gradient by a running root-mean-square, with torch.optim's defaults and options."""

import numpy as np

from .adam import lerp_
from .optimizer import Optimizer, buffer, check_hyper

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """torch.optim.RMSprop: ``v = α v + (1-α) g²``; ``w -= lr · g / (√v + ε)``.

    ``centered`` subtracts the squared running mean of ``g`` from ``v``; ``momentum`` accumulates
    ``g / (√v + ε)`` in a buffer; ``weight_decay`` adds ``λ w`` to the gradient.
    """

    def __init__(
        self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, *, maximize=False
    ):
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        check_hyper("RMSprop", "lr", group["lr"])
        check_hyper("RMSprop", "alpha", group["alpha"], 0.0, 1.0)
        check_hyper("RMSprop", "eps", group["eps"])
        check_hyper("RMSprop", "weight_decay", group["weight_decay"])
        check_hyper("RMSprop", "momentum", group["momentum"], 0.0, 1.0, high_open=True)

    def _update(self, group, params, grads):
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        for p, grad in zip(params, grads):
            w, state = p._array, self.state[p]
            g = -grad if group["maximize"] else grad
            square_avg = buffer(state, "square_avg", w)
            state["step"] = state.get("step", 0) + 1
            if weight_decay != 0:
                g = g + weight_decay * w
            square_avg *= alpha
            square_avg += (1 - alpha) * (g * g)
            if group["centered"]:
                grad_avg = buffer(state, "grad_avg", w)
                lerp_(grad_avg, g, 1 - alpha)
                avg = np.sqrt(square_avg - grad_avg * grad_avg)
            else:
                avg = np.sqrt(square_avg)
            avg += eps
            if momentum > 0:
                buf = buffer(state, "momentum_buffer", w)
                buf *= momentum
                buf += g / avg
                w += -lr * buf
            else:
                w += -lr * (g / avg)
