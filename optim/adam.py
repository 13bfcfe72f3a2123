"""``Adam`` and ``AdamW``: adaptive moment estimation, with torch.optim's defaults and update order."""

import numpy as np

from .optimizer import Optimizer, buffer, check_hyper

__all__ = ["Adam", "AdamW"]


def lerp_(start, end, weight, scratch=None):
    """``start += weight * (end - start)`` in place, computed the way torch's ``lerp_`` does; ``scratch``
    (an array like ``start``, if given) holds the difference, so that no temporary is allocated."""
    diff = np.subtract(end, start, out=scratch)
    if weight < 0.5:
        diff *= weight
        start += diff
    else:
        diff *= 1 - weight
        np.subtract(end, diff, out=start)


class Adam(Optimizer):
    """torch.optim.Adam: ``m = lerp(m, g, 1-β1)``, ``v = β2 v + (1-β2) g²``,
    ``w -= lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + ε)``.

    ``weight_decay`` adds ``λ w`` to the gradient (L2); ``amsgrad`` normalises by the running maximum of ``v``;
    ``decoupled_weight_decay=True`` is AdamW.
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        amsgrad=False,
        *,
        maximize=False,
        decoupled_weight_decay=False,
    ):
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        name = type(self).__name__
        check_hyper(name, "lr", group["lr"])
        check_hyper(name, "eps", group["eps"])
        check_hyper(name, "weight_decay", group["weight_decay"])
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        check_hyper(name, "betas[0]", betas[0], 0.0, 1.0, high_open=True)
        check_hyper(name, "betas[1]", betas[1], 0.0, 1.0, high_open=True)
        group["betas"] = tuple(float(b) for b in betas)

    def _update(self, group, params, grads):
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        for p, grad in zip(params, grads):
            w, state = p._array, self.state[p]
            g = -grad if group["maximize"] else grad
            exp_avg = buffer(state, "exp_avg", w)
            exp_avg_sq = buffer(state, "exp_avg_sq", w)
            state["step"] = step = state.get("step", 0) + 1
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    w *= 1 - lr * weight_decay
                else:
                    g = g + weight_decay * w
            scratch = np.empty_like(w)
            lerp_(exp_avg, g, 1 - beta1, scratch)
            exp_avg_sq *= beta2
            squares = np.multiply(g, g, out=scratch)
            squares *= 1 - beta2
            exp_avg_sq += squares
            second = exp_avg_sq
            if group["amsgrad"]:
                second = buffer(state, "max_exp_avg_sq", w)
                np.maximum(second, exp_avg_sq, out=second)
            _step_(w, exp_avg, second, lr / (1 - beta1**step), (1 - beta2**step) ** 0.5, eps, scratch)


def _step_(w, exp_avg, second, step_size, correction, eps, scratch):
    """``w += -step_size * (exp_avg / (sqrt(second) / correction + eps))`` in place, torch's operation order,
    through one scratch array (no temporaries: the update is memory-bound)."""
    denom = np.sqrt(second, out=scratch)
    denom /= correction
    denom += eps
    ratio = np.divide(exp_avg, denom, out=denom)
    ratio *= -step_size
    w += ratio


class AdamW(Adam):
    """torch.optim.AdamW: Adam with decoupled weight decay ``w *= 1 - lr·λ`` (default λ = 0.01)."""

    def __init__(
        self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *, maximize=False
    ):
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
