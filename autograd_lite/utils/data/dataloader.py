"""``DataLoader``: batches of a dataset as Tensors, epoch after epoch, with ``torch.utils.data``'s arguments
and semantics; and ``default_collate``, which stacks samples into a batch."""

import collections.abc
import numbers

import numpy as np

from ...creation import numpy_generator
from ...functions.shaping import stack
from ...tensor import Tensor
from .dataset import IterableDataset, StackedSamples
from .sampler import BatchSampler, RandomSampler, SequentialSampler, _positive_int, batch_order

_STRINGS = (str, bytes)


def default_collate(batch):
    """Stack a list of samples into a batch as torch does: Tensors and arrays stacked along a new first dim,
    ints to an int64 and floats to a float64 Tensor, strings kept in a list, and dicts, tuples (giving a
    list) and lists collated field by field. A ``StackedSamples`` is already stacked: its columns come out
    as Tensors directly."""
    if isinstance(batch, StackedSamples):
        return batch.collate()
    if not len(batch):
        raise ValueError("default_collate: the batch is empty")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch), 0)
    if isinstance(elem, np.ndarray) or isinstance(elem, (np.number, np.bool_)):
        if np.asarray(elem).dtype.kind in "USO":
            raise TypeError(
                f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                f"lists; found arrays of dtype {np.asarray(elem).dtype}"
            )
        return Tensor._wrap(np.stack([np.asarray(b) for b in batch]))
    if isinstance(elem, bool) or isinstance(elem, numbers.Integral):
        return Tensor._wrap(np.asarray(batch, dtype=np.bool_ if isinstance(elem, bool) else np.int64))
    if isinstance(elem, float):
        return Tensor._wrap(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, _STRINGS):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        fields = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(fields)
        except TypeError:  # a mapping type that cannot be built from a dict
            return fields
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if len({len(sample) for sample in batch}) != 1:
            raise RuntimeError(
                "default_collate: each element in list of batch should be of equal size, got "
                f"sizes {[len(sample) for sample in batch]}"
            )
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(
        f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(elem).__module__}.{type(elem).__qualname__}"
    )


def default_convert(data):
    """What the loader yields per sample when ``batch_size=None``: numpy arrays become Tensors (also inside
    dicts, tuples and lists), everything else is left as it is."""
    if isinstance(data, StackedSamples):
        return data.collate()
    if isinstance(data, np.ndarray) and data.dtype.kind not in "USO":
        return Tensor._wrap(data)
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(default_convert(d) for d in data)
    return data


def get_worker_info():
    """None: autograd_lite loads every batch in the main process."""
    return None


class DataLoader:
    """Batches of ``dataset``, one epoch per iteration, with torch's arguments: ``batch_size`` (``None`` for
    single samples), ``shuffle`` (a new order each epoch from ``generator`` or ``al.manual_seed``'s
    generator), ``sampler`` / ``batch_sampler``, ``drop_last`` and ``collate_fn``.

    The signature is torch's, keyword for keyword. Batches are loaded in the calling process, so the worker
    and memory options are accepted (and checked as torch checks them) but change nothing: ``num_workers``
    (any count; no processes are started), ``worker_init_fn`` (never called: there are no workers),
    ``timeout`` (nothing to wait for), ``multiprocessing_context``, ``prefetch_factor`` and
    ``persistent_workers`` (as in torch, only with ``num_workers > 0``), ``pin_memory`` and
    ``pin_memory_device`` (no accelerator to pin memory for), ``in_order`` (batches always come in order)."""

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=None,
        sampler=None,
        batch_sampler=None,
        num_workers=0,
        collate_fn=None,
        pin_memory=False,
        drop_last=False,
        timeout=0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor=None,
        persistent_workers=False,
        pin_memory_device="",
        in_order=True,
    ):
        _check_worker_options(num_workers, timeout)
        prefetch_factor = _check_multiprocessing_options(
            num_workers, prefetch_factor, persistent_workers, multiprocessing_context
        )
        if generator is not None:
            numpy_generator(generator, "DataLoader")
        self.dataset, self.num_workers, self.pin_memory, self.timeout = dataset, num_workers, pin_memory, timeout
        self.generator, self.worker_init_fn, self.prefetch_factor = generator, worker_init_fn, prefetch_factor
        self.persistent_workers, self.multiprocessing_context = persistent_workers, multiprocessing_context
        self.pin_memory_device, self.in_order = pin_memory_device, in_order
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            _check_iterable_options(shuffle, sampler, batch_sampler)
        else:
            _check_map_dataset(dataset)
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                    "shuffle, sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError(
                    "DataLoader: batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
                )
        else:
            _positive_int("DataLoader", "batch_size", batch_size)
            if not isinstance(drop_last, bool):
                raise ValueError(f"DataLoader: drop_last should be a boolean value, but got {drop_last!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size, self.drop_last, self.sampler, self.batch_sampler = (
            batch_size,
            drop_last,
            sampler,
            batch_sampler,
        )
        self._auto_collation = batch_sampler is not None or (self._iterable and batch_size is not None)
        self.collate_fn = (
            collate_fn if collate_fn is not None else default_collate if self._auto_collation else default_convert
        )

    def __iter__(self):
        if self._iterable:
            return self._iterate_stream()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        return (self.collate_fn(self._fetch(indices)) for indices in batch_order(self.batch_sampler))

    def _fetch(self, indices):
        """One batch's samples: the dataset's own vectorised ``__getitems__`` when it has one."""
        if hasattr(self.dataset, "__getitems__"):
            return self.dataset.__getitems__(indices)
        return [self.dataset[i] for i in indices.tolist()]

    def _iterate_stream(self):
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self):
        if self._iterable:
            try:
                n = len(self.dataset)
            except TypeError:
                raise TypeError(
                    f"DataLoader: the IterableDataset {type(self.dataset).__name__} has no "
                    "__len__, so neither has its loader"
                ) from None
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)


def _check_worker_options(num_workers, timeout):
    if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
        raise ValueError(
            "DataLoader: num_workers option should be non-negative; use num_workers=0 to disable "
            f"multiprocessing (got {num_workers!r})"
        )
    if timeout < 0:
        raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout!r}")


def _check_multiprocessing_options(num_workers, prefetch_factor, persistent_workers, multiprocessing_context):
    """torch's checks of the multi-process options (which only apply with ``num_workers > 0``); returns the
    prefetch factor as torch stores it (2 by default with workers)."""
    if num_workers == 0:
        if prefetch_factor is not None:
            raise ValueError(
                "DataLoader: prefetch_factor option could only be specified in multiprocessing; let "
                "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None"
            )
        if persistent_workers:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None:
            raise ValueError(
                "DataLoader: multiprocessing_context can only be used with multi-process loading "
                "(num_workers > 0), but got num_workers=0"
            )
        return None
    if prefetch_factor is None:
        return 2
    if isinstance(prefetch_factor, bool) or not isinstance(prefetch_factor, (int, np.integer)) or prefetch_factor < 0:
        raise ValueError(f"DataLoader: prefetch_factor option should be non-negative, got {prefetch_factor!r}")
    return prefetch_factor


def _check_iterable_options(shuffle, sampler, batch_sampler):
    for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
        if value not in (None, False):
            raise ValueError(
                f"DataLoader with IterableDataset: expected unspecified {name} option, but got {name}={value!r}"
            )


def _check_map_dataset(dataset):
    if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
        raise TypeError(
            f"DataLoader: the dataset must have __getitem__ and __len__ (a map-style Dataset) or be "
            f"an IterableDataset; got {type(dataset).__name__}"
        )
    if len(dataset) == 0:
        raise ValueError(f"DataLoader: the dataset ({type(dataset).__name__}) is empty; there is nothing to load")
