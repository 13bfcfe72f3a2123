"""MNIST as ``torchvision.datasets.MNIST``: read from the four IDX files (plain or gzip'ed) or from a
Keras-layout ``mnist.npz``, optionally downloaded; plus the book's 50,000 / 10,000 train/validation split.

The IDX format: a big-endian header (magic 2051, count, rows, cols for images; magic 2049, count for
labels) followed by the uint8 pixels or labels. Everything is parsed with numpy and checked, and each
problem is a ``DatasetError`` naming the file and what was wrong.
"""

import gzip
import os
import zipfile
import zlib

import numpy as np

from ..creation import numpy_generator
from ..tensor import Tensor
from ..utils.data.dataset import Dataset, StackedSamples, Subset, _index_array
from . import download as _download

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
MEAN, STD = 0.1307, 0.3081
BOOK_VALIDATION_SIZE = 10_000
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
SPLITS = ("train", "test", "book-train", "book-validation")
CLASSES = [
    "0 - zero",
    "1 - one",
    "2 - two",
    "3 - three",
    "4 - four",
    "5 - five",
    "6 - six",
    "7 - seven",
    "8 - eight",
    "9 - nine",
]


class DatasetError(ValueError):
    """A data file is damaged or not what it should be; the message names the file and the problem."""


def default_root():
    """Where MNIST lives when ``root`` is None: ``$AUTOGRAD_LITE_DATA`` if set, else
    ``~/.cache/autograd_lite/mnist``."""
    return os.environ.get("AUTOGRAD_LITE_DATA") or os.path.join(
        os.path.expanduser("~"), ".cache", "autograd_lite", "mnist"
    )


class ImageDataset(Dataset):
    """Grey images ``data`` (uint8, N x H x W) with int64 ``targets``, served as float32 (1, H, W) images in
    [0, 1] (pixel / ``max_value``), or standardised with (``mean``, ``std``) when ``normalize`` is set.

    ``transform`` and ``target_transform`` work on whole batches, unlike torchvision's per-sample
    transforms on PIL images: ``transform(images)`` gets a float32 array (N, 1, H, W) and returns an array
    with the same first dim; ``target_transform(labels)`` gets an int64 array (N,). ``dataset[i]`` calls
    them on a batch of one; ``__getitems__`` (what the DataLoader uses) once per batch.
    """

    classes = [str(d) for d in range(10)]

    def __init__(self, data, targets, max_value, mean, std, normalize, transform, target_transform):
        self.data, self.targets = data, targets
        self.transform, self.target_transform, self.normalize = transform, target_transform, normalize
        scaled = np.arange(256, dtype=np.float64) / max_value
        self._lut = ((scaled - mean) / std if normalize else scaled).astype(np.float32)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        """``(image, label)`` for an int index: a float32 Tensor (1, H, W) and an int (torchvision's
        sample). A slice, list or array of indices gives the batch as ``__getitems__`` does."""
        if isinstance(index, (slice, list, np.ndarray)):
            return self.__getitems__(np.arange(len(self))[index] if isinstance(index, slice) else index)
        idx = _index_array(type(self).__name__, [index], len(self))
        images, labels = self._batch(idx)
        label = labels[0]
        return Tensor._wrap(images[0]), label.item() if np.ndim(label) == 0 else Tensor._wrap(label)

    def __getitems__(self, indices):
        """The samples at ``indices`` as ``StackedSamples((images (N, 1, H, W) float32, labels (N,)))``:
        one fancy-index per array, transforms applied once to the whole batch."""
        return StackedSamples(self._batch(_index_array(type(self).__name__, indices, len(self))))

    def _batch(self, idx):
        """Images and labels at the int64 index array ``idx``, scaled and transformed."""
        images = self._lut[self.data[idx]][:, None]
        labels = self.targets[idx]
        if self.transform is not None:
            images = _checked(self.transform(images), len(idx), "transform")
        if self.target_transform is not None:
            labels = _checked(self.target_transform(labels), len(idx), "target_transform")
        return images, labels

    def _repr_lines(self):
        return []

    def __repr__(self):
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}"]
        lines += [f"    {line}" for line in self._repr_lines()]
        if self.normalize:
            lines.append("    Normalized: yes")
        for name in ("transform", "target_transform"):
            if getattr(self, name) is not None:
                lines.append(f"    {name}: {getattr(self, name)!r}")
        return "\n".join(lines)


def _checked(out, n, name):
    """A transform's result as an array whose first dim is the batch size ``n`` (what the batch needs)."""
    out = out.numpy() if isinstance(out, Tensor) else np.asarray(out)
    if out.ndim == 0 or out.shape[0] != n:
        raise ValueError(f"{name} must return an array whose first dim is the batch size {n}, got shape {out.shape}")
    return out


class MNIST(ImageDataset):
    """MNIST handwritten digits (60,000 train / 10,000 test images of 28x28), torchvision's arguments.

    ``root``: a directory with the four IDX files (plain or ``.gz``, also accepted in ``root/MNIST/raw``
    as torchvision stores them) or the path of a Keras-layout ``mnist.npz``; None means ``default_root()``.
    ``train`` picks the training or the test set; ``split`` may instead name ``"train"``, ``"test"``,
    ``"book-train"`` (the first 50,000 training images) or ``"book-validation"`` (the last 10,000).
    ``download=True`` fetches missing IDX files into ``root`` (see ``download.MIRRORS``).
    ``normalize=True`` serves (x - 0.1307) / 0.3081 instead of x in [0, 1].
    ``transform(images)`` and ``target_transform(labels)`` act on whole batches: a float32 array
    (N, 1, 28, 28) and an int64 array (N,) (a batch of one for ``dataset[i]``), not per-sample PIL images.
    Attributes as torchvision: ``data`` (uint8, N x 28 x 28), ``targets`` (int64), ``classes``, ``train``.
    """

    classes = CLASSES
    mean, std = MEAN, STD

    def __init__(
        self, root=None, train=True, download=False, transform=None, target_transform=None, normalize=False, split=None
    ):
        split = _split_name(split, train)
        self.root = os.fspath(default_root() if root is None else root)
        self.split, self.train = split, split != "test"
        images, labels = load_mnist(self.root, self.train, download)
        if split.startswith("book-"):
            cut = _book_cut(len(labels), BOOK_VALIDATION_SIZE, f"MNIST split={split!r}")
            part = slice(None, cut) if split == "book-train" else slice(cut, None)
            images, labels = images[part], labels[part]
        super().__init__(images, labels, 255, MEAN, STD, normalize, transform, target_transform)

    def _repr_lines(self):
        return [f"Root location: {self.root}", f"Split: {self.split}"]


def _split_name(split, train):
    """The split to load: ``split`` if given (checked), else "train" or "test" from ``train``."""
    if split is None:
        return "train" if train else "test"
    if split not in SPLITS:
        raise ValueError(f"MNIST: split must be one of {', '.join(SPLITS)}; got {split!r}")
    return split


def _book_cut(n, validation_size, where):
    """Where the validation part starts: ``n - validation_size``, which must leave training samples."""
    if not 0 < validation_size < n:
        raise ValueError(
            f"{where}: needs more than {validation_size:,} samples to hold out {validation_size:,} "
            f"for validation, the dataset has {n:,}"
        )
    return n - validation_size


def book_split(train_dataset, validation_size=BOOK_VALIDATION_SIZE, generator=None):
    """``(train, validation)`` Subsets as in Nielsen's book: the last ``validation_size`` samples (MNIST
    training images 50,000..59,999) for validation, the rest for training. With a ``generator`` the
    validation samples are drawn at random from it instead (same sizes)."""
    n = len(train_dataset)
    cut = _book_cut(n, validation_size, "book_split")
    if generator is None:
        order = np.arange(n)
    else:
        order = numpy_generator(generator, "book_split").permutation(n)
    return Subset(train_dataset, order[:cut]), Subset(train_dataset, order[cut:])


def load_mnist(root, train=True, download=False):
    """``(images uint8 (N, H, W), labels int64 (N,))`` of the train or test set from ``root``: an
    ``mnist.npz`` file or a directory of IDX files (downloaded first when missing and ``download``)."""
    if os.path.isfile(root) or root.endswith(".npz"):
        if not os.path.isfile(root):
            raise FileNotFoundError(
                f"MNIST: no such file {root}"
                + (
                    "; download=True fetches the IDX files into a directory, so pass a directory as root"
                    if download
                    else ""
                )
            )
        return read_npz(root, train)
    if download:
        _download_missing(root)
    paths = [_find_idx(root, name) for name in FILES["train" if train else "test"]]
    if None in paths:
        _raise_missing(root, [n for n, p in zip(FILES["train" if train else "test"], paths) if p is None])
    return read_idx_pair(*paths)


def _find_idx(root, name):
    """Path of IDX file ``name`` (plain or ``.gz``) in ``root`` or ``root/MNIST/raw``; None if absent."""
    for directory in (root, os.path.join(root, "MNIST", "raw")):
        for candidate in (name, name + ".gz"):
            path = os.path.join(directory, candidate)
            if os.path.isfile(path):
                return path
    return None


def _raise_missing(root, names):
    """The FileNotFoundError for missing IDX files, saying where they were looked for and what to do."""
    listed = ", ".join(f"{n}[.gz]" for n in names)
    raise FileNotFoundError(
        f"MNIST: missing {listed} in {root} (also looked in {os.path.join(root, 'MNIST', 'raw')}); pass "
        "download=True to fetch them, or point root at an mnist.npz file"
    )


def _download_missing(root):
    """Download each of the four ``.gz`` IDX files not already in ``root`` (in any accepted form)."""
    for names in FILES.values():
        for name in names:
            if _find_idx(root, name) is None:
                _download.download_file(name + ".gz", root)


def read_idx_pair(images_path, labels_path):
    """Images and labels from two IDX files, checking that their counts agree."""
    images, labels = read_idx_images(images_path), read_idx_labels(labels_path)
    if len(images) != len(labels):
        raise DatasetError(
            f"count mismatch: {images_path} holds {len(images):,} images but {labels_path} holds {len(labels):,} labels"
        )
    return images, labels


def read_idx_images(path):
    """uint8 images (N, rows, cols) from an IDX3 file (plain or gzip'ed), header and size checked; a
    writable copy, as the arrays read from an npz are."""
    path = os.fspath(path)
    buf = _read_bytes(path)
    _, count, rows, cols = _header(buf, path, IMAGES_MAGIC, 4, "images")
    expected = 16 + count * rows * cols
    _check_size(buf, path, expected, f"{count:,} images of {rows}x{cols} = {expected:,} bytes")
    return np.frombuffer(buf, dtype=np.uint8, offset=16).reshape(count, rows, cols).copy()


def read_idx_labels(path):
    """int64 labels (N,) from an IDX1 file (plain or gzip'ed), header, size and range 0..9 checked."""
    path = os.fspath(path)
    buf = _read_bytes(path)
    _, count = _header(buf, path, LABELS_MAGIC, 2, "labels")
    _check_size(buf, path, 8 + count, f"{count:,} labels = {8 + count:,} bytes")
    labels = np.frombuffer(buf, dtype=np.uint8, offset=8).astype(np.int64)
    _check_labels(labels, path)
    return labels


def _read_bytes(path):
    """The file's bytes, gunzipped when it is gzip data; a damaged gzip stream is a ``DatasetError``."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":
        if path.endswith(".gz"):
            raise DatasetError(f"{path} is not a gzip file (it does not start with the gzip magic bytes)")
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise DatasetError(f"damaged gzip stream in {path}: {e}") from None


def _header(buf, path, magic, fields, kind):
    """The ``fields`` big-endian int32 header values, checking the length and the magic number."""
    if len(buf) < 4 * fields:
        raise DatasetError(
            f"truncated: {path} has {len(buf)} bytes, fewer than the {4 * fields}-byte IDX header for {kind}"
        )
    header = [int(v) for v in np.frombuffer(buf, dtype=">i4", count=fields)]
    if header[0] != magic:
        raise DatasetError(f"bad magic number {header[0]} in {path} (expected {magic} for {kind})")
    if min(header[1:]) < 0:
        raise DatasetError(f"negative size in the header of {path}: {header[1:]}")
    return header


def _check_size(buf, path, expected, what):
    """The data must be exactly as long as the header says: no truncation, no trailing bytes."""
    if len(buf) < expected:
        raise DatasetError(f"truncated: header says {what}, {path} has {len(buf):,}")
    if len(buf) > expected:
        raise DatasetError(
            f"too long: header says {what}, {path} has {len(buf):,} ({len(buf) - expected:,} extra bytes)"
        )


def _check_labels(labels, path):
    """Labels must be digits 0..9."""
    bad = np.flatnonzero((labels < 0) | (labels > 9))
    if bad.size:
        raise DatasetError(f"label {labels[bad[0]]} at index {bad[0]} in {path} is not a digit 0..9")


def read_npz(path, train=True):
    """Images and labels of the train or test set from a Keras-layout ``mnist.npz`` (keys x_train,
    y_train, x_test, y_test), checking keys, shapes and dtypes; loaded without pickle."""
    path, suffix = os.fspath(path), "train" if train else "test"
    try:
        archive = np.load(path, allow_pickle=False)
        if not hasattr(archive, "files"):
            raise DatasetError(f"{path} is a single .npy array, not an npz archive with x_{suffix} and y_{suffix}")
        with archive:
            missing = [k for k in (f"x_{suffix}", f"y_{suffix}") if k not in archive.files]
            if missing:
                raise DatasetError(
                    f"{path} has no {' or '.join(missing)} (keys: {', '.join(archive.files)}; "
                    "expected x_train, y_train, x_test, y_test)"
                )
            images, labels = archive[f"x_{suffix}"], archive[f"y_{suffix}"]
    except DatasetError:
        raise
    except (zipfile.BadZipFile, EOFError, zlib.error, ValueError) as e:
        raise DatasetError(f"{path} is not a readable npz archive: {type(e).__name__}: {e}") from None
    _check_npz_arrays(images, labels, path, suffix)
    return images, labels.astype(np.int64)


def _check_npz_arrays(images, labels, path, suffix):
    """x must be uint8 (N, H, W) and y integer (N,) with digits 0..9."""
    if images.dtype != np.uint8 or images.ndim != 3:
        raise DatasetError(
            f"x_{suffix} in {path} has dtype {images.dtype} and shape {images.shape}, expected uint8 of shape (N, H, W)"
        )
    if labels.dtype.kind not in "iu" or labels.ndim != 1:
        raise DatasetError(
            f"y_{suffix} in {path} has dtype {labels.dtype} and shape {labels.shape}, expected integers of shape (N,)"
        )
    if len(images) != len(labels):
        raise DatasetError(
            f"count mismatch in {path}: x_{suffix} holds {len(images):,} images but y_{suffix} {len(labels):,} labels"
        )
    _check_labels(labels, f"{path} (y_{suffix})")
