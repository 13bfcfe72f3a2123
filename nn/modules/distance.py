"""nn layers: distance family -- ``CosineSimilarity`` (torch's constructor and repr)."""

from .._functional.distance import cosine_similarity
from .module import Module

__all__ = ["CosineSimilarity"]


class CosineSimilarity(Module):
    """The cosine similarity of x1 and x2 along ``dim`` (norms clamped below at ``eps``)."""

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)
