"""nn layers: sparse family -- ``Embedding`` (torch's constructor, ``from_pretrained``, init and repr)."""

import numpy as np

from autograd_lite import Tensor, no_grad
from autograd_lite.devices import check_device

from .. import _checks, init
from .._functional.sparse import _padding_idx, embedding
from ..parameter import Parameter
from .module import Module

__all__ = ["Embedding"]


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``: ``weight[input]``.

    The weight is drawn from N(0, 1) (``nn.init.normal_``, as torch) and the ``padding_idx`` row, if any, is
    then zeroed; that row gets no gradient. ``max_norm``, ``norm_type`` and ``scale_grad_by_freq`` as in
    ``nn.functional.embedding``; ``sparse=True`` is accepted here but refused at the forward (no sparse
    gradients in autograd_lite).
    """

    def __init__(
        self,
        num_embeddings,
        embedding_dim,
        padding_idx=None,
        max_norm=None,
        norm_type=2.0,
        scale_grad_by_freq=False,
        sparse=False,
        _weight=None,
        _freeze=False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        check_device("Embedding", device)
        dtype = _checks.float_dtype("Embedding", dtype)
        self.num_embeddings = _checks.size("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = _checks.size("Embedding", "embedding_dim", embedding_dim)
        self.padding_idx = _padding_idx(padding_idx, self.num_embeddings, "Embedding")
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if _weight is None:
            self.weight = Parameter(
                np.empty((self.num_embeddings, self.embedding_dim), dtype=dtype), requires_grad=not _freeze
            )
            self.reset_parameters()
        else:
            if list(_weight.shape) != [self.num_embeddings, self.embedding_dim]:
                raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
            self.weight = Parameter(_weight, requires_grad=not _freeze)
        self.sparse = sparse

    def reset_parameters(self):
        """weight ~ N(0, 1) (``nn.init.normal_``), then the padding row zeroed, as torch."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input):
        return embedding(
            input, self.weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq, self.sparse
        )

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(
        cls,
        embeddings,
        freeze=True,
        padding_idx=None,
        max_norm=None,
        norm_type=2.0,
        scale_grad_by_freq=False,
        sparse=False,
    ):
        """An Embedding whose weight is ``embeddings`` (2-D), frozen (requires_grad=False) unless ``freeze=False``."""
        if not isinstance(embeddings, Tensor):
            embeddings = Tensor(np.asarray(embeddings))
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(
            num_embeddings=rows,
            embedding_dim=cols,
            _weight=embeddings,
            _freeze=freeze,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
        )
