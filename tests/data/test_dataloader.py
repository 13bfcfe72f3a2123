"""autograd_lite.utils.data: datasets, samplers, DataLoader and default_collate, with torch's semantics
(checked against torch.utils.data where torch is installed)."""

import collections

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_lite as al
from autograd_lite.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackedSamples,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    random_split,
)


def _dataset(n, features=3):
    x = al.tensor(np.arange(n * features, dtype=np.float32).reshape(n, features))
    return TensorDataset(x, al.arange(n))


class Squares(Dataset):
    """A dataset without __getitems__: the loader asks it one sample at a time."""

    def __init__(self, n):
        self.n, self.calls = n, 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.calls += 1
        return np.float32(i) * np.ones(2, np.float32), i * i


class Stream(IterableDataset):
    def __init__(self, n, sized=True):
        self.n, self.sized = n, sized

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.sized:
            raise TypeError("no len")
        return self.n


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), batch_size=st.integers(1, 12), drop_last=st.booleans(), shuffle=st.booleans())
def test_every_sample_once_per_epoch_in_batches_of_the_asked_size(n, batch_size, drop_last, shuffle):
    loader = DataLoader(_dataset(n), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    sizes = [len(y) for _, y in loader]
    full, rest = divmod(n, batch_size)
    assert sizes == [batch_size] * full + ([rest] if rest and not drop_last else [])
    assert len(loader) == len(sizes)
    seen = np.concatenate([y.numpy() for _, y in loader]) if sizes else np.zeros(0, np.int64)
    if not drop_last:
        assert sorted(seen.tolist()) == list(range(n))
    if not shuffle:
        assert seen.tolist() == list(range(len(seen)))


def test_batches_are_stacked_tensors_of_the_rows():
    x, y = next(iter(DataLoader(_dataset(10), batch_size=4)))
    assert isinstance(x, al.Tensor) and x.shape == (4, 3) and x.dtype == np.float32
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 2, 3]
    assert x.numpy().tolist() == np.arange(12, dtype=np.float32).reshape(4, 3).tolist()


def test_tensor_dataset_getitems_stacks_once_and_matches_getitem():
    ds = _dataset(6)
    batch = ds.__getitems__([4, 0, 5])
    assert isinstance(batch, StackedSamples) and len(batch) == 3
    assert [s[1].item() for s in batch] == [4, 0, 5]
    x, y = default_collate(batch)
    assert np.array_equal(x.numpy(), np.stack([ds[i][0].numpy() for i in (4, 0, 5)]))
    with pytest.raises(IndexError, match="index 6 is out of range for a dataset of 6 samples"):
        ds.__getitems__([6])


def test_a_dataset_without_getitems_is_read_sample_by_sample_and_collated_as_torch():
    ds = Squares(5)
    x, y = next(iter(DataLoader(ds, batch_size=5)))
    assert ds.calls == 5 and x.shape == (5, 2) and y.tolist() == [0, 1, 4, 9, 16] and y.dtype == np.int64


def test_shuffle_follows_manual_seed_and_the_generator():
    def order(**kw):
        return np.concatenate([y.numpy() for _, y in DataLoader(_dataset(50), batch_size=7, shuffle=True, **kw)])

    al.manual_seed(3)
    a = order()
    al.manual_seed(3)
    assert np.array_equal(order(), a)
    assert not np.array_equal(order(), a)  # a new order each epoch
    g1, g2 = al.Generator().manual_seed(1), al.Generator().manual_seed(1)
    assert np.array_equal(order(generator=g1), order(generator=g2))


def test_each_iteration_is_a_new_epoch():
    loader = DataLoader(_dataset(9), batch_size=4, shuffle=True)
    epochs = [np.concatenate([y.numpy() for _, y in loader]) for _ in range(3)]
    assert all(sorted(e.tolist()) == list(range(9)) for e in epochs)


def test_clear_errors_for_bad_arguments_and_an_empty_dataset():
    ds = _dataset(4)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
            DataLoader(ds, batch_size=bad)
    with pytest.raises(ValueError, match="dataset .*TensorDataset.* is empty"):
        DataLoader(TensorDataset(al.zeros(0, 2)), batch_size=2)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_size=2, batch_sampler=BatchSampler(SequentialSampler(ds), 2, False))
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(TypeError, match="generator must be an autograd_lite.Generator"):
        DataLoader(ds, shuffle=True, generator=42)
    with pytest.raises(TypeError, match="__getitem__ and __len__"):
        DataLoader([1, 2, 3].__iter__())
    with pytest.raises(ValueError, match="size mismatch between tensors: first dims \\[4, 3\\]"):
        TensorDataset(al.zeros(4), al.zeros(3))


def test_batch_size_none_yields_single_samples_converted():
    out = list(DataLoader(Squares(3), batch_size=None))
    assert [y for _, y in out] == [0, 1, 4]
    assert isinstance(out[1][0], al.Tensor)


def test_a_batch_sampler_and_a_custom_collate_fn():
    ds = _dataset(7)
    loader = DataLoader(ds, batch_sampler=[[6, 0], [3]], collate_fn=lambda samples: [s[1].item() for s in samples])
    assert list(loader) == [[6, 0], [3]]


def test_iterable_dataset_batches_in_stream_order():
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert len(DataLoader(Stream(7), batch_size=3)) == 3
    with pytest.raises(TypeError, match="has no __len__"):
        len(DataLoader(Stream(7, sized=False), batch_size=3))
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)


def test_default_collate_follows_torch_types():
    Point = collections.namedtuple("Point", "x y")
    batch = default_collate([{"a": 1, "b": (2.0, "s"), "p": Point(np.zeros(2), 3)}] * 2)
    assert batch["a"].dtype == np.int64 and batch["b"][0].dtype == np.float64 and batch["b"][1] == ["s", "s"]
    assert isinstance(batch["p"], Point) and batch["p"].x.shape == (2, 2)
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="found builtins.object"):
        default_collate([object()])


def test_random_split_sizes_fractions_and_generator():
    ds = _dataset(10)
    a, b = random_split(ds, [7, 3], generator=al.Generator().manual_seed(0))
    assert sorted(list(a.indices) + list(b.indices)) == list(range(10))
    c, d = random_split(ds, [7, 3], generator=al.Generator().manual_seed(0))
    assert a.indices == c.indices
    assert [len(s) for s in random_split(ds, [0.5, 0.3, 0.2])] == [5, 3, 2]
    assert [len(s) for s in random_split(_dataset(11), [0.5, 0.5])] == [6, 5]
    with pytest.raises(ValueError, match="sum to 9, not to the dataset's length 10"):
        random_split(ds, [5, 4])


def test_subset_uses_the_vectorised_path_and_concat_joins():
    ds = _dataset(8)
    sub = Subset(ds, [7, 2, 5])
    x, y = next(iter(DataLoader(sub, batch_size=3)))
    assert y.tolist() == [7, 2, 5]
    both = ConcatDataset([sub, _dataset(2)])
    assert len(both) == 5 and both[3][1].item() == 0 and both[-5][1].item() == 7
    with pytest.raises(IndexError):
        both[5]


def test_samplers():
    ds = _dataset(5)
    assert list(SequentialSampler(ds)) == [0, 1, 2, 3, 4]
    assert sorted(RandomSampler(ds, generator=al.Generator().manual_seed(0))) == [0, 1, 2, 3, 4]
    draws = list(RandomSampler(ds, replacement=True, num_samples=50))
    assert len(draws) == 50 and set(draws) <= set(range(5))
    assert len(list(RandomSampler(ds, num_samples=12))) == 12
    assert sorted(SubsetRandomSampler([4, 1])) == [1, 4]
    assert set(WeightedRandomSampler([0, 0, 1.0], 10)) == {2}
    assert list(BatchSampler(SequentialSampler(ds), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]
    assert len(BatchSampler(SequentialSampler(ds), 2, drop_last=True)) == 2
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(ds, num_samples=0)


def test_a_loader_over_a_tensor_that_requires_grad_keeps_the_graph():
    w = al.ones(4, 2, requires_grad=True)
    (x,) = next(iter(DataLoader(TensorDataset(w * 3), batch_size=2)))
    x.sum().backward()
    assert w.grad.tolist() == [[3.0, 3.0], [3.0, 3.0], [0.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize(
    "n,batch_size,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False), (1, 4, False), (4, 4, True), (5, 1, False)]
)
def test_batch_sizes_and_lengths_as_torch(n, batch_size, drop_last):
    torch = pytest.importorskip("torch")
    from torch.utils import data as tdata

    ours = DataLoader(_dataset(n), batch_size=batch_size, drop_last=drop_last, shuffle=True)
    theirs = tdata.DataLoader(
        tdata.TensorDataset(torch.zeros(n, 3), torch.arange(n)),
        batch_size=batch_size,
        drop_last=drop_last,
        shuffle=True,
    )
    assert len(ours) == len(theirs)
    assert [tuple(x.shape) for x, _ in ours] == [tuple(x.shape) for x, _ in theirs]
    seq = DataLoader(_dataset(n), batch_size=batch_size, drop_last=drop_last)
    tseq = tdata.DataLoader(
        tdata.TensorDataset(torch.zeros(n, 3), torch.arange(n)), batch_size=batch_size, drop_last=drop_last
    )
    assert [y.tolist() for _, y in seq] == [y.tolist() for _, y in tseq]


def test_default_collate_as_torch():
    pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    samples = [(np.float32([1, 2]), 3, 2.5, {"k": np.int16(4)}), (np.float32([3, 4]), 5, 1.0, {"k": np.int16(6)})]
    ours, theirs = default_collate(samples), torch_collate(samples)
    assert type(ours) is type(theirs) is list
    for a, b in zip(ours[:3], theirs[:3]):
        assert a.numpy().tolist() == b.numpy().tolist() and str(a.dtype) == str(b.dtype).replace("torch.", "")
    assert ours[3]["k"].tolist() == theirs[3]["k"].tolist()


def test_random_split_lengths_as_torch():
    pytest.importorskip("torch")
    from torch.utils import data as tdata

    for n, fractions in ((10, [0.5, 0.5]), (11, [0.3, 0.3, 0.4]), (7, [0.1, 0.9]), (50000 + 10000, [5 / 6, 1 / 6])):
        theirs = tdata.random_split(range(n), fractions)
        assert [len(s) for s in random_split(_dataset(n, 1), fractions)] == [len(s) for s in theirs]
