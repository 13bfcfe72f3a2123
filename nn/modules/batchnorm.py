"""nn layers: batch normalisation -- ``BatchNorm1d`` and ``BatchNorm2d`` with torch's constructor,
parameters, buffers (state_dict keys weight, bias, running_mean, running_var, num_batches_tracked),
train/eval behaviour and repr."""

import numpy as np

from autograd_lite._internal import wrap
from autograd_lite.devices import check_device
from autograd_lite.ops.base import OpError

from .. import _checks, init
from .._functional.normalization import batch_norm
from ..parameter import Parameter
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d: per-channel normalisation over the batch (and spatial) dims.

    Training mode: batch statistics; with ``track_running_stats`` the running statistics are updated
    (``momentum=None``: a cumulative average, factor 1 / num_batches_tracked) and num_batches_tracked is
    incremented. Eval mode: the running statistics (or the batch's when track_running_stats=False).
    """

    def __init__(
        self,
        num_features,
        eps=1e-5,
        momentum=0.1,
        affine=True,
        track_running_stats=True,
        device=None,
        dtype=None,
        *,
        bias=True,
    ):
        super().__init__()
        name = type(self).__name__
        check_device(name, device)
        dtype = _checks.float_dtype(name, dtype)
        num_features = _checks.size(name, "num_features", num_features)
        _checks.real(name, "eps", eps)
        if momentum is not None:
            _checks.real(name, "momentum", momentum)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(np.empty(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(np.empty(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", wrap(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", wrap(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", wrap(np.zeros((), dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        """Running mean 0, running variance 1 and num_batches_tracked 0 (when tracking running stats)."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """Reset the running statistics and, with ``affine``, the weight to ones and the bias to zeros
        (``nn.init.ones_`` / ``zeros_``), as torch."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def forward(self, input):
        self._check_input_dim(input)
        if input.shape[1] != self.num_features:
            raise OpError(
                f"{type(self).__name__}: the input of shape {tuple(input.shape)} has "
                f"{input.shape[1]} channels (dim 1), but the layer was built for "
                f"num_features={self.num_features}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        use_buffers = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if use_buffers else None,
            self.running_var if use_buffers else None,
            self.weight,
            self.bias,
            bn_training,
            factor,
            self.eps,
        )

    def extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of an (N, C) or (N, C, L) input over N (and L), per channel C."""

    def _check_input_dim(self, input):
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(
                f"BatchNorm1d: expected 2D or 3D input (got {input.dim()}D input of shape {tuple(input.shape)})"
            )


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of an (N, C, H, W) input over N, H and W, per channel C."""

    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"BatchNorm2d: expected 4D input (got {input.dim()}D input of shape {tuple(input.shape)})")
