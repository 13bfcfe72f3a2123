"""``NAdam``: Adam with Nesterov momentum and torch's momentum-decay schedule, as torch.optim.NAdam."""

import numpy as np

from autograd_lite import get_default_dtype

from .adam import lerp_
from .optimizer import Optimizer, buffer, check_hyper

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """torch.optim.NAdam: with ``μₜ = β1 (1 - ½·0.96^(t·ψ))`` (ψ = ``momentum_decay``) and ``Πₜ = μ₁⋯μₜ``,
    ``m = lerp(m, g, 1-β1)``, ``v = β2 v + (1-β2) g²``, ``d = √(v / (1-β2ᵗ)) + ε`` and
    ``w -= lr (1-μₜ)/(1-Πₜ) · g/d + lr μₜ₊₁/(1-Πₜ μₜ₊₁) · m/d``.

    ``weight_decay`` adds ``λ w`` to the gradient, or with ``decoupled_weight_decay=True`` multiplies ``w``
    by ``1 - lr·λ`` (NAdamW); ``maximize`` ascends; ``foreach`` is accepted and changes nothing. As in torch,
    the running product ``Πₜ`` (state ``mu_product``) is rounded to the default dtype at each step.
    """

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        momentum_decay=4e-3,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
    ):
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        check_hyper("NAdam", "lr", group["lr"])
        check_hyper("NAdam", "eps", group["eps"])
        check_hyper("NAdam", "weight_decay", group["weight_decay"])
        check_hyper("NAdam", "momentum_decay", group["momentum_decay"])
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"NAdam: betas must be a pair (beta1, beta2), got {betas!r}")
        check_hyper("NAdam", "betas[0]", betas[0], 0.0, 1.0, high_open=True)
        check_hyper("NAdam", "betas[1]", betas[1], 0.0, 1.0, high_open=True)
        group["betas"] = tuple(float(b) for b in betas)

    def _update(self, group, params, grads):
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        momentum_decay = group["momentum_decay"]
        for p, grad in zip(params, grads):
            w, state = p._array, self.state[p]
            g = -grad if group["maximize"] else grad
            exp_avg = buffer(state, "exp_avg", w)
            exp_avg_sq = buffer(state, "exp_avg_sq", w)
            state["step"] = step = state.get("step", 0) + 1
            bias_correction2 = 1 - beta2**step
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    w *= 1 - lr * weight_decay
                else:
                    g = g + weight_decay * w
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            state["mu_product"] = mu_product = _scalar_product(state.get("mu_product", 1.0), mu)
            mu_product_next = mu_product * mu_next
            lerp_(exp_avg, g, 1 - beta1)
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * (g * g)
            denom = np.sqrt(exp_avg_sq / bias_correction2)
            denom += eps
            w += (-lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
            w += ((-lr * mu_next) / (1.0 - mu_product_next)) * (exp_avg / denom)


def _scalar_product(product, mu):
    """``product * mu`` in the precision torch keeps its scalar state in: the default dtype (float32 unless
    ``set_default_dtype(float64)``), so that the trajectory is torch's, not only close to it."""
    dtype = np.dtype(get_default_dtype())
    return float(dtype.type(product) * dtype.type(mu))
