"""Samplers with ``torch.utils.data``'s names: which indices a DataLoader loads, in which order, in which
batches. Each draws a whole epoch's order at once (one numpy call), so shuffling costs nothing per sample."""

import operator

import numpy as np

from ...creation import numpy_generator


class Sampler:
    """Iterating a sampler yields dataset indices; ``len`` is how many."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def order(self):
        """One epoch's indices as an int64 array (drawn once); the default collects ``iter(self)``."""
        return np.fromiter(iter(self), dtype=np.int64)


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def order(self):
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


def _positive_int(where, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{where}: {name} should be a positive integer value, but got {name}={value!r}")
    return int(value)


class RandomSampler(Sampler):
    """A random order of the dataset each epoch (a permutation; with ``replacement=True``, ``num_samples``
    independent draws), from ``generator`` or the framework's generator (``al.manual_seed``)."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got {replacement!r}")
        self.data_source, self.replacement, self._num_samples = data_source, replacement, num_samples
        self.generator = generator
        numpy_generator(generator, "RandomSampler")
        _positive_int("RandomSampler", "num_samples", self.num_samples)

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def order(self):
        rng, n = numpy_generator(self.generator, "RandomSampler"), len(self.data_source)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples, dtype=np.int64)
        rounds = -(-self.num_samples // n)
        return np.concatenate([rng.permutation(n) for _ in range(rounds)])[: self.num_samples].astype(np.int64)

    def __iter__(self):
        return iter(self.order().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order each epoch."""

    def __init__(self, indices, generator=None):
        self.indices, self.generator = indices, generator

    def order(self):
        rng = numpy_generator(self.generator, "SubsetRandomSampler")
        return np.asarray(self.indices, dtype=np.int64)[rng.permutation(len(self.indices))]

    def __iter__(self):
        return iter(self.order().tolist())

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        self.num_samples = _positive_int("WeightedRandomSampler", "num_samples", num_samples)
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        if w.size == 0 or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise ValueError(
                f"WeightedRandomSampler: weights must be finite, non-negative and not all zero, got {w.size} weights"
            )
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(
                f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement "
                f"from {np.count_nonzero(w)} non-zero weights"
            )
        self.weights, self.replacement, self.generator = w / w.sum(), replacement, generator

    def order(self):
        rng = numpy_generator(self.generator, "WeightedRandomSampler")
        return rng.choice(self.weights.size, size=self.num_samples, replace=self.replacement, p=self.weights).astype(
            np.int64
        )

    def __iter__(self):
        return iter(self.order().tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size`` (the last shorter, or dropped)."""

    def __init__(self, sampler, batch_size, drop_last):
        self.batch_size = _positive_int("BatchSampler", "batch_size", batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got drop_last={drop_last!r}")
        self.sampler, self.drop_last = sampler, drop_last

    def batches(self):
        """One epoch's batches as int64 arrays (slices of one drawn order)."""
        order = (
            self.sampler.order()
            if isinstance(self.sampler, Sampler)
            else np.fromiter(iter(self.sampler), dtype=np.int64)
        )
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        return [order[i : i + self.batch_size] for i in range(0, stop, self.batch_size)]

    def __iter__(self):
        return (batch.tolist() for batch in self.batches())

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def batch_order(batch_sampler):
    """A batch sampler's batches as index arrays: drawn at once from ours, collected from anyone else's."""
    if isinstance(batch_sampler, BatchSampler):
        return batch_sampler.batches()
    return (np.asarray([operator.index(i) for i in batch], dtype=np.int64) for batch in batch_sampler)
