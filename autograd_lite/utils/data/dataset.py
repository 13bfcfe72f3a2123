"""Datasets with ``torch.utils.data``'s names, and ``StackedSamples``: a batch of samples kept as stacked
arrays so that collating it is free."""

import bisect
import math
import operator
from collections.abc import Sequence

import numpy as np

from ...creation import numpy_generator
from ...tensor import Tensor


class Dataset:
    """A map-style dataset: ``dataset[i]`` is one sample and ``len(dataset)`` the count. Subclasses may add
    ``__getitems__(indices)`` returning a whole batch at once (a ``StackedSamples`` for speed)."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: iterate it for its samples (no indexing, no shuffling)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class StackedSamples(Sequence):
    """A batch of ``n`` samples stored as stacked columns (arrays or Tensors whose first dim is ``n``):
    what ``__getitems__`` returns. It is a sequence of per-sample tuples for anyone who reads it so, and
    ``default_collate`` turns it into a list of Tensors, one per column, without a per-sample step.
    ``single=True`` marks samples that are one value each, not tuples."""

    def __init__(self, columns, single=False):
        columns = tuple(columns)
        if not columns:
            raise ValueError("StackedSamples: needs at least one column")
        sizes = {len(c) for c in columns}
        if len(sizes) != 1:
            raise ValueError(f"StackedSamples: columns of different lengths {[len(c) for c in columns]}")
        if single and len(columns) != 1:
            raise ValueError(f"StackedSamples: single=True takes one column, got {len(columns)}")
        self.columns, self.single = columns, single

    def __len__(self):
        return len(self.columns[0])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return StackedSamples([c[i] for c in self.columns], self.single)
        sample = tuple(_as_tensor(c[i]) for c in self.columns)
        return sample[0] if self.single else sample

    def collate(self):
        """The batch as Tensors: one Tensor for single samples, else a list with one per column."""
        batch = [_as_tensor(c) for c in self.columns]
        return batch[0] if self.single else batch


def _as_tensor(value):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return Tensor._wrap(value)
    return value


class TensorDataset(Dataset):
    """Samples are the i-th rows of the given tensors (all with the same first dim): ``(x[i], y[i])``."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        for t in tensors:
            if not isinstance(t, (Tensor, np.ndarray)) or not np.ndim(t._array if isinstance(t, Tensor) else t):
                raise TypeError(
                    f"TensorDataset: every argument must be a Tensor of at least one dim, got "
                    f"{type(t).__name__} of shape {getattr(t, 'shape', None)}"
                )
        sizes = [int(t.shape[0]) for t in tensors]
        if len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dims {sizes}")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor._wrap(t) for t in tensors)

    def __len__(self):
        return int(self.tensors[0].shape[0])

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices):
        """One fancy-index per tensor for the whole batch (a graph op for a tensor that requires grad)."""
        idx = _index_array("TensorDataset", indices, len(self))
        return StackedSamples([t[Tensor._wrap(idx)] if t.requires_grad else t._array[idx] for t in self.tensors])


def _index_array(where, indices, n):
    """``indices`` as an int64 array, each in [-n, n): an IndexError naming the dataset otherwise."""
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu" and idx.size:
        raise TypeError(f"{where}: indices must be ints, got dtype {idx.dtype}")
    idx = idx.astype(np.int64, copy=False).reshape(-1)
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = idx[(idx >= n) | (idx < -n)][0]
        raise IndexError(f"{where}: index {bad} is out of range for a dataset of {n} samples")
    return idx


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, indices

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, idx):
        if isinstance(idx, (list, tuple, np.ndarray)):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        mapped = np.asarray(self.indices)[_index_array("Subset", indices, len(self))]
        if hasattr(self.dataset, "__getitems__"):
            return self.dataset.__getitems__(mapped)
        return [self.dataset[int(i)] for i in mapped]


class ConcatDataset(Dataset):
    """Several datasets one after another."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: needs at least one dataset")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset: does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        idx = operator.index(idx)
        if idx < 0:
            if -idx > len(self):
                raise IndexError(f"ConcatDataset: index {idx} is out of range for {len(self)} samples")
            idx += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        if which == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {idx} is out of range for {len(self)} samples")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths (ints that sum to its
    length, or fractions that sum to 1, the remainder dealt one by one from the first, as torch does)."""
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) for x in lengths) and math.isclose(sum(lengths), 1.0) and sum(lengths) <= 1:
        if any(x < 0 or x > 1 for x in lengths):
            raise ValueError(f"random_split: fractions must lie in [0, 1], got {lengths}")
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(isinstance(x, (bool, float)) or operator.index(x) < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative ints or fractions summing to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: the lengths {lengths} sum to {sum(lengths)}, not to the dataset's length {n}")
    order = numpy_generator(generator, "random_split").permutation(n)
    bounds = np.cumsum([0] + lengths)
    return [Subset(dataset, order[a:b].tolist()) for a, b in zip(bounds[:-1], bounds[1:])]
