"""``torch.utils.data`` for autograd_lite: datasets, samplers, ``DataLoader`` and ``default_collate``.

Batches are stacked once per batch, not once per sample: a dataset that offers ``__getitems__(indices)``
(``TensorDataset``, ``Subset`` of one, the MNIST and digits datasets) returns a ``StackedSamples`` that
``default_collate`` turns into Tensors without touching the samples one by one.
"""

from .dataset import Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, StackedSamples, random_split
from .sampler import Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler
from .dataloader import DataLoader, default_collate, default_convert, get_worker_info

__all__ = [
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "Subset",
    "ConcatDataset",
    "StackedSamples",
    "random_split",
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
    "DataLoader",
    "default_collate",
    "default_convert",
    "get_worker_info",
]
