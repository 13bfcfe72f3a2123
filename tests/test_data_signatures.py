"""autograd_lite.utils.data has torch.utils.data's signatures (parameter names, kinds and defaults), and
DataLoader accepts torch's worker and memory options as documented no-ops, checked as torch checks them."""

import inspect

import pytest

import autograd_lite as al
from autograd_lite.utils import data

NAMES = [
    "Dataset",
    "IterableDataset",
    "DataLoader",
    "TensorDataset",
    "ConcatDataset",
    "random_split",
    "Subset",
    "RandomSampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
    "default_collate",
    "default_convert",
    "get_worker_info",
]


def _parameters(obj):
    return [(p.name, p.kind, p.default) for p in inspect.signature(obj).parameters.values()]


@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_torch(name):
    torch = pytest.importorskip("torch")
    import torch.utils.data as td

    ours, theirs = _parameters(getattr(data, name)), _parameters(getattr(td, name))
    # torch's default generator object stands for "the global generator", which is None here
    theirs = [(n, k, None if isinstance(d, torch.Generator) else d) for n, k, d in theirs]
    assert ours == theirs


def test_names_exist():
    for name in NAMES:
        assert name in data.__all__ and hasattr(data, name)


def _loader(**kw):
    return data.DataLoader(data.TensorDataset(al.arange(10.0)), batch_size=4, **kw)


def test_worker_options_are_accepted_no_ops():
    plain = [b[0]._array.tolist() for b in _loader()]
    loader = _loader(
        num_workers=2,
        pin_memory=True,
        timeout=5,
        worker_init_fn=lambda i: 1 / 0,
        multiprocessing_context="spawn",
        prefetch_factor=3,
        persistent_workers=True,
        pin_memory_device="cuda",
        in_order=False,
    )
    assert [b[0]._array.tolist() for b in loader] == plain
    assert loader.prefetch_factor == 3 and loader.persistent_workers and loader.in_order is False
    assert _loader(num_workers=1).prefetch_factor == 2
    assert _loader().prefetch_factor is None


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(prefetch_factor=2), "prefetch_factor option could only be specified in multiprocessing"),
        (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
        (dict(multiprocessing_context="fork"), "multiprocessing_context can only be used with multi-process"),
        (dict(num_workers=1, prefetch_factor=-1), "prefetch_factor option should be non-negative"),
    ],
)
def test_option_errors_as_torch(kw, message):
    with pytest.raises(ValueError, match=message):
        _loader(**kw)


@pytest.mark.parametrize(
    "kw",
    [
        dict(prefetch_factor=2),
        dict(persistent_workers=True),
        dict(multiprocessing_context="fork"),
        dict(num_workers=1, prefetch_factor=-1),
    ],
)
def test_torch_refuses_the_same_options(kw):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(10.0)), batch_size=4, **kw)
