"""Datasets with ``torchvision.datasets``' names: ``MNIST`` (IDX files or ``mnist.npz``, optional download)
and ``Digits`` (scikit-learn's 8x8 digits), plus ``book_split`` (the book's 50,000 / 10,000 split).

Samples are ``(image, label)``: a float32 Tensor (1, H, W) and an int. Unlike torchvision, ``transform``
and ``target_transform`` act on whole batches of numpy arrays (float32 (N, 1, H, W) images, int64 (N,)
labels), so that ``DataLoader`` batches are built with one fancy-index per array and no per-sample loop.
"""

from .download import MIRRORS, DownloadError
from .mnist import MNIST, DatasetError, book_split, default_root
from .digits import Digits

__all__ = ["MNIST", "Digits", "book_split", "default_root", "DatasetError", "DownloadError", "MIRRORS"]
