"""scikit-learn's bundled 8x8 handwritten digits (1,797 real images, no download) as an MNIST-like dataset
with a fixed, stratified train/test split: a small real dataset for examples and tests."""

import numpy as np

from .mnist import ImageDataset

MEAN, STD = 0.3053, 0.3760  # of all 1,797 images scaled to [0, 1]
MAX_VALUE = 16


class Digits(ImageDataset):
    """``sklearn.datasets.load_digits`` as a dataset of ``(image, label)``: float32 images (1, 8, 8) in
    [0, 1] (the 0..16 pixel values / 16), or (x - 0.3053) / 0.3760 with ``normalize=True``, and int labels.

    The split is ``train_test_split(..., test_size=test_fraction, random_state=0, stratify=labels)``:
    fixed, and each digit in the same proportion on both sides. ``transform(images)`` and
    ``target_transform(labels)`` act on whole batches, a float32 array (N, 1, 8, 8) and an int64 array
    (N,) (a batch of one for ``dataset[i]``). Attributes: ``data`` (uint8 0..16, N x 8 x 8), ``targets``
    (int64), ``classes``, ``train``. Needs scikit-learn (not a dependency of autograd_lite itself).
    """

    def __init__(self, train=True, transform=None, target_transform=None, normalize=False, test_fraction=0.2):
        if not (isinstance(test_fraction, float) and 0 < test_fraction < 1):
            raise ValueError(f"Digits: test_fraction must be a float strictly between 0 and 1, got {test_fraction!r}")
        self.train, self.test_fraction = bool(train), test_fraction
        images, labels = load_digits_split(train, test_fraction)
        super().__init__(images, labels, MAX_VALUE, MEAN, STD, normalize, transform, target_transform)

    def _repr_lines(self):
        return [f"Split: {'train' if self.train else 'test'} (test_fraction={self.test_fraction})"]


def load_digits_split(train=True, test_fraction=0.2):
    """``(images uint8 (N, 8, 8) in 0..16, labels int64 (N,))`` of the train or test side of the fixed
    stratified split, in the order ``train_test_split`` returns them."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError as e:
        raise ImportError(
            "Digits needs scikit-learn, which autograd_lite does not install: pip install "
            'scikit-learn (or pip install -e ".[examples]")'
        ) from e
    bunch = load_digits()
    images = bunch.images.astype(np.uint8)
    labels = bunch.target.astype(np.int64)
    train_idx, test_idx = train_test_split(
        np.arange(len(labels)), test_size=test_fraction, random_state=0, stratify=labels
    )
    idx = train_idx if train else test_idx
    return images[idx], labels[idx]
