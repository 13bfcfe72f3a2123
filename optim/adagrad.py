"""``Adagrad``: per-coordinate learning rates from the sum of squared gradients, as torch.optim.Adagrad."""

import numpy as np

from .optimizer import Optimizer, buffer, check_hyper

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """torch.optim.Adagrad: ``s += g²``; ``w -= lr / (1 + (t-1)·lr_decay) · g / (√s + ε)``.

    ``initial_accumulator_value`` starts ``s``; ``weight_decay`` adds ``λ w`` to the gradient.
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0.0,
        weight_decay=0.0,
        initial_accumulator_value=0.0,
        eps=1e-10,
        *,
        maximize=False,
    ):
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        for key in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_hyper("Adagrad", key, group[key])

    def _update(self, group, params, grads):
        lr, lr_decay, eps, weight_decay = group["lr"], group["lr_decay"], group["eps"], group["weight_decay"]
        for p, grad in zip(params, grads):
            w, state = p._array, self.state[p]
            g = -grad if group["maximize"] else grad
            state_sum = buffer(state, "sum", w, group["initial_accumulator_value"])
            state["step"] = step = state.get("step", 0) + 1
            if weight_decay != 0:
                g = g + weight_decay * w
            clr = lr / (1 + (step - 1) * lr_decay)
            state_sum += g * g
            std = np.sqrt(state_sum)
            std += eps
            w += -clr * (g / std)
