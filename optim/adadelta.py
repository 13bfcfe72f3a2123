"""``Adadelta``: learning rates from running averages of squared gradients and squared updates, as
torch.optim.Adadelta."""

import numpy as np

from .optimizer import Optimizer, buffer, check_hyper

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """torch.optim.Adadelta: ``v = ρ v + (1-ρ) g²``; ``Δ = √(u + ε) / √(v + ε) · g``; ``u = ρ u + (1-ρ) Δ²``;
    ``w -= lr · Δ``.

    ``weight_decay`` adds ``λ w`` to the gradient; ``maximize`` ascends. ``foreach`` is accepted for torch's
    signature and changes nothing (the update is always one numpy expression per parameter).
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, foreach=None, *, maximize=False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group):
        check_hyper("Adadelta", "lr", group["lr"])
        check_hyper("Adadelta", "rho", group["rho"], 0.0, 1.0)
        check_hyper("Adadelta", "eps", group["eps"])
        check_hyper("Adadelta", "weight_decay", group["weight_decay"])

    def _update(self, group, params, grads):
        lr, rho, eps, weight_decay = group["lr"], group["rho"], group["eps"], group["weight_decay"]
        for p, grad in zip(params, grads):
            w, state = p._array, self.state[p]
            g = -grad if group["maximize"] else grad
            square_avg = buffer(state, "square_avg", w)
            acc_delta = buffer(state, "acc_delta", w)
            state["step"] = state.get("step", 0) + 1
            if weight_decay != 0:
                g = g + weight_decay * w
            square_avg *= rho
            square_avg += (1 - rho) * (g * g)
            std = np.sqrt(square_avg + eps)
            delta = np.sqrt(acc_delta + eps)
            delta /= std
            delta *= g
            acc_delta *= rho
            acc_delta += (1 - rho) * (delta * delta)
            delta *= -lr
            w += delta
