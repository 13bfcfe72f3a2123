"""Data augmentation for image batches, with torchvision's names: random rotations, translations and scalings
(``RandomAffine``, ``RandomRotation``) and Simard et al.'s elastic distortions (``ElasticDistortion``), as in
Nielsen's "artificially expanding the training data".

A transform takes a float array of images (N, C, H, W) - a whole batch, each image with its own random draw,
vectorised over the batch - or a single image (C, H, W), as a numpy array or an ``al.Tensor``, and returns
the same kind, shape and dtype. Draws come from ``generator=`` or, fetched at each call, from the framework's
generator, so ``al.manual_seed(s)`` makes them reproducible. Resampling is bilinear with a constant ``fill``
outside the image (scipy's ``map_coordinates(order=1, mode="grid-constant")``, computed here in numpy: one
gather per batch, several times faster than scipy on small images, and no scipy needed).
"""

import functools
import numbers

import numpy as np

from .creation import from_numpy, numpy_generator
from .tensor import Tensor

_CHUNK = 1024  # images resampled at a time: bounds the memory of the coordinate arrays for large inputs


# ---- inputs and arguments ---------------------------------------------------------------------------------
def _as_batch(name, images):
    """The images as a float (N, C, H, W) numpy array, and how to give a result back in the caller's form."""
    is_tensor = isinstance(images, Tensor)
    array = images._array if is_tensor else images
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"{name}: expected a numpy array or an autograd_lite Tensor of images, got {type(images).__name__}"
        )
    if array.ndim not in (3, 4):
        raise ValueError(
            f"{name}: expected images of shape (N, C, H, W) or one image (C, H, W), got shape "
            f"{array.shape} (ndim {array.ndim}); add a channel axis to (H, W) images"
        )
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{name}: expected floating-point images (e.g. float32 with values in [0, 1]), got "
            f"dtype {array.dtype}; convert with images.astype(np.float32) / 255"
        )
    return (array[None] if array.ndim == 3 else array), (is_tensor, array.ndim == 3)


def _restore(batch, form):
    """Undo ``_as_batch``: drop the batch axis of a single image, wrap a Tensor's result in a Tensor."""
    is_tensor, single = form
    out = batch[0] if single else batch
    return from_numpy(np.ascontiguousarray(out)) if is_tensor else out


def _real(name, arg, value):
    """A finite real number (not a bool) as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"{name}: {arg} must be a finite number, got {value!r}")
    return float(value)


def _range(name, arg, value):
    """A (low, high) pair of finite numbers with low <= high."""
    if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
        raise TypeError(f"{name}: {arg} must be a number or a (min, max) pair, got {value!r}")
    low, high = _real(name, arg, value[0]), _real(name, arg, value[1])
    if low > high:
        raise ValueError(f"{name}: {arg} must be a (min, max) pair with min <= max, got {value!r}")
    return low, high


def _degrees(name, degrees):
    """torchvision's angle range: a number d >= 0 for (-d, d), or a (min, max) pair."""
    if isinstance(degrees, numbers.Real) and not isinstance(degrees, bool):
        d = _real(name, "degrees", degrees)
        if d < 0:
            raise ValueError(f"{name}: degrees must be non-negative when a single number, got {degrees!r}")
        return -d, d
    return _range(name, "degrees", degrees)


def _translate(name, translate):
    """None, or (a, b): maximal horizontal and vertical shifts as fractions of the width and height."""
    if translate is None:
        return None
    if not isinstance(translate, (tuple, list)) or len(translate) != 2:
        raise TypeError(f"{name}: translate must be None or a pair (a, b) of fractions, got {translate!r}")
    a, b = (_real(name, "translate", t) for t in translate)
    if not (0 <= a <= 1 and 0 <= b <= 1):
        raise ValueError(f"{name}: translate values must be in [0, 1], got {translate!r}")
    return a, b


def _scale(name, scale):
    """None, or a (min, max) range of zoom factors with 0 < min <= max."""
    if scale is None:
        return None
    low, high = _range(name, "scale", scale)
    if low <= 0:
        raise ValueError(f"{name}: scale values must be positive, got {scale!r}")
    return low, high


def _non_negative(name, arg, value):
    """A finite number >= 0 as a float (alpha, sigma)."""
    value = _real(name, arg, value)
    if value < 0:
        raise ValueError(f"{name}: {arg} must be non-negative, got {value!r}")
    return value


def _check_callable(name, fn, what):
    """Reject a non-callable where a transform is expected, at construction rather than at the first batch."""
    if not callable(fn):
        raise TypeError(f"{name}: {what} must be callable, got {fn!r} ({type(fn).__name__})")


def _indented(transform):
    """A nested transform's repr on its own lines, indented, for the repr of a container."""
    return "".join(f"\n    {line}" for line in repr(transform).split("\n"))


# ---- resampling -------------------------------------------------------------------------------------------
def _resample(batch, rows, cols, fill):
    """Bilinear samples of each image at per-image coordinates ``rows``, ``cols`` (N, H, W), with ``fill``
    around the image: scipy's ``map_coordinates(order=1, mode="grid-constant", cval=fill)`` in one gather."""
    n, c, h, w = batch.shape
    padded = np.full((n, c, h + 3, w + 3), fill, dtype=batch.dtype)  # the image at [1:h+1, 1:w+1]
    padded[:, :, 1 : h + 1, 1 : w + 1] = batch
    rows, cols = np.clip(rows, -1, h), np.clip(cols, -1, w)
    row0, col0 = np.floor(rows), np.floor(cols)
    fr, fc = (rows - row0)[:, None], (cols - col0)[:, None]
    width, plane = w + 3, (h + 3) * (w + 3)
    index = (row0.astype(np.intp) + 1) * width + col0.astype(np.intp) + 1
    index = (index + (np.arange(n, dtype=np.intp) * (c * plane))[:, None, None])[:, None]
    index = index + (np.arange(c, dtype=np.intp) * plane)[None, :, None, None]
    flat = padded.ravel()
    v00, v01 = flat.take(index), flat.take(index + 1)
    v10, v11 = flat.take(index + width), flat.take(index + width + 1)
    top, bottom = v00 + fc * (v01 - v00), v10 + fc * (v11 - v10)
    return (top + fr * (bottom - top)).astype(batch.dtype, copy=False)


def _grid(h, w):
    """Row and column offsets from the image centre, shaped to broadcast against (N, H, W)."""
    return (
        (np.arange(h, dtype=np.float32) - (h - 1) / 2)[None, :, None],
        (np.arange(w, dtype=np.float32) - (w - 1) / 2)[None, None, :],
    )


def _affine_batch(batch, angle, translate, scale, fill):
    """Rotate each image by ``angle[i]`` degrees counter-clockwise about its centre, scale by ``scale[i]``,
    then shift by ``translate[i]`` = (dx, dy) pixels: sample each output pixel at its inverse image."""
    h, w = batch.shape[2:]
    theta = np.deg2rad(np.asarray(angle, dtype=np.float64))
    cos = (np.cos(theta) / scale).astype(np.float32)[:, None, None]
    sin = (np.sin(theta) / scale).astype(np.float32)[:, None, None]
    y, x = _grid(h, w)
    x = x - translate[:, 0, None, None].astype(np.float32)
    y = y - translate[:, 1, None, None].astype(np.float32)
    cols = cos * x - sin * y + np.float32((w - 1) / 2)
    rows = sin * x + cos * y + np.float32((h - 1) / 2)
    return _resample(batch, rows, cols, fill)


def _per_image(name, arg, value, n, width=None):
    """A scalar (or pair) broadcast to one value per image, or an array of one value per image."""
    shape = (n,) if width is None else (n, width)
    array = np.asarray(value, dtype=np.float64)
    try:
        return np.broadcast_to(array, shape)
    except ValueError:
        raise ValueError(
            f"{name}: {arg} must be one value for all images or one per image (shape {shape}), got shape {array.shape}"
        ) from None


def affine(images, angle=0.0, translate=(0.0, 0.0), scale=1.0, fill=0.0):
    """Rotate (degrees, counter-clockwise, about the centre), scale, then shift by (dx, dy) pixels: the same
    for all images, or per image with arrays of shape (N,), (N, 2) and (N,). Bilinear, ``fill`` outside."""
    batch, form = _as_batch("affine", images)
    n = len(batch)
    angle = _per_image("affine", "angle", angle, n)
    translate = _per_image("affine", "translate", translate, n, 2)
    scale = _per_image("affine", "scale", scale, n)
    if not (
        np.all(np.isfinite(angle))
        and np.all(np.isfinite(translate))
        and np.all(scale > 0)
        and np.all(np.isfinite(scale))
    ):
        raise ValueError("affine: angle and translate must be finite and scale positive")
    return _restore(_affine_batch(batch, angle, translate, scale, _real("affine", "fill", fill)), form)


@functools.lru_cache(maxsize=32)
def _gaussian_matrix(n, sigma):
    """The (n, n) matrix of a 1-d Gaussian filter of std ``sigma``: ``M @ f`` equals scipy's
    ``gaussian_filter1d(f, sigma, axis=0)`` (mode "reflect", truncate 4), as one cheap matmul per batch."""
    if sigma == 0:
        return np.eye(n, dtype=np.float32)
    radius = int(4.0 * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 * (offsets / sigma) ** 2)
    source = (np.arange(n)[:, None] + offsets) % (2 * n)
    source = np.where(source >= n, 2 * n - 1 - source, source)
    matrix = np.zeros((n, n))
    np.add.at(matrix, (np.arange(n)[:, None], source), weights / weights.sum())
    matrix = matrix.astype(np.float32)
    matrix.setflags(write=False)
    return matrix


# ---- transforms -------------------------------------------------------------------------------------------
class _ImageTransform:
    """Checks and batches the input, applies ``_apply`` to (N, C, H, W) chunks, returns the caller's form."""

    def __call__(self, images):
        batch, form = _as_batch(type(self).__name__, images)
        rng = self._rng()
        chunks = [self._apply(batch[i : i + _CHUNK], rng) for i in range(0, max(len(batch), 1), _CHUNK)]
        return _restore(chunks[0] if len(chunks) == 1 else np.concatenate(chunks), form)

    def _rng(self):
        """The numpy Generator to draw from, fetched at call time (``al.manual_seed`` replaces the default)."""
        return numpy_generator(getattr(self, "generator", None), type(self).__name__)

    def _apply(self, batch, rng):
        """The transformed (N, C, H, W) batch (a new array), drawing from ``rng``."""
        raise NotImplementedError

    def _extra_repr(self, **optional):
        """``, name=value`` for the optional arguments that differ from their defaults."""
        return "".join(f", {k}={v!r}" for k, (v, default) in optional.items() if v != default)


class Compose:
    """Apply transforms one after the other, in the order given."""

    def __init__(self, transforms):
        self.transforms = list(transforms)
        for i, t in enumerate(self.transforms):
            _check_callable("Compose", t, f"transforms[{i}]")

    def __call__(self, images):
        for t in self.transforms:
            images = t(images)
        return images

    def __repr__(self):
        return "Compose(" + "".join(_indented(t) for t in self.transforms) + "\n)"


class Lambda:
    """A user function as a transform (it receives and returns images as given)."""

    def __init__(self, lambd):
        _check_callable("Lambda", lambd, "lambd")
        self.lambd = lambd

    def __call__(self, images):
        return self.lambd(images)

    def __repr__(self):
        return f"Lambda({getattr(self.lambd, '__qualname__', type(self.lambd).__name__)})"


class Normalize(_ImageTransform):
    """``(x - mean[c]) / std[c]`` per channel c (one number applies to every channel)."""

    def __init__(self, mean, std):
        self.mean = self._channels("mean", mean)
        self.std = self._channels("std", std)
        if any(s <= 0 for s in self.std):
            raise ValueError(f"Normalize: std must be positive in every channel, got std={std!r}")

    @staticmethod
    def _channels(arg, value):
        """One number, or a sequence of one per channel, as a tuple of floats."""
        values = value if isinstance(value, (tuple, list, np.ndarray)) else (value,)
        if len(values) == 0:
            raise ValueError(f"Normalize: {arg} must not be empty")
        return tuple(_real("Normalize", arg, v) for v in values)

    def _apply(self, batch, rng):
        c = batch.shape[1]
        if len(self.mean) not in (1, c) or len(self.std) not in (1, c):
            raise ValueError(
                f"Normalize: mean and std need 1 or {c} values for images with {c} channels, "
                f"got {len(self.mean)} and {len(self.std)}"
            )
        mean = np.asarray(self.mean, dtype=batch.dtype)[:, None, None]
        std = np.asarray(self.std, dtype=batch.dtype)[:, None, None]
        return (batch - mean) / std

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class RandomApply(_ImageTransform):
    """Apply ``transforms`` (a transform or a list, composed) to each image with probability ``p``,
    independently per image; the chosen images go through the transforms as one sub-batch."""

    def __init__(self, transforms, p=0.5, generator=None):
        self.transforms = list(transforms) if isinstance(transforms, (list, tuple)) else [transforms]
        for i, t in enumerate(self.transforms):
            _check_callable("RandomApply", t, f"transforms[{i}]")
        self.p = _real("RandomApply", "p", p)
        if not 0 <= self.p <= 1:
            raise ValueError(f"RandomApply: p must be a probability in [0, 1], got {p!r}")
        self.generator = generator
        numpy_generator(generator, "RandomApply")

    def _apply(self, batch, rng):
        chosen = rng.random(len(batch)) < self.p
        out = batch.copy()
        if chosen.any():
            result = Compose(self.transforms)(batch[chosen])
            result = result._array if isinstance(result, Tensor) else np.asarray(result)
            if result.shape != out[chosen].shape:
                raise ValueError(
                    f"RandomApply: the transform changed the shape of a batch from "
                    f"{out[chosen].shape} to {result.shape}"
                )
            out[chosen] = result
        return out

    def __repr__(self):
        return f"RandomApply(\n    p={self.p}" + "".join(_indented(t) for t in self.transforms) + "\n)"


class RandomAffine(_ImageTransform):
    """Per image: a rotation by an angle drawn uniformly from ``degrees`` (counter-clockwise positive, about
    the centre), a zoom from ``scale`` = (min, max), and a shift by a whole number of pixels up to
    ``translate`` = (a, b) times the width and height (rounded, as torchvision). Bilinear, ``fill`` outside."""

    def __init__(self, degrees, translate=None, scale=None, fill=0.0, generator=None):
        name = type(self).__name__
        self.degrees = _degrees(name, degrees)
        self.translate = _translate(name, translate)
        self.scale = _scale(name, scale)
        self.fill = _real(name, "fill", fill)
        self.generator = generator
        numpy_generator(generator, name)

    def _draw(self, n, h, w, rng):
        """Per-image angles (n,), shifts (n, 2) in pixels and zooms (n,)."""
        angle = rng.uniform(*self.degrees, size=n)
        shift = np.zeros((n, 2))
        if self.translate is not None:
            limit = np.array([self.translate[0] * w, self.translate[1] * h])
            shift = np.round(rng.uniform(-limit, limit, size=(n, 2)))
        scale = np.ones(n) if self.scale is None else rng.uniform(*self.scale, size=n)
        return angle, shift, scale

    def _apply(self, batch, rng):
        angle, shift, scale = self._draw(len(batch), *batch.shape[2:], rng)
        return _affine_batch(batch, angle, shift, scale, self.fill)

    def __repr__(self):
        return (
            f"RandomAffine(degrees={self.degrees}"
            + self._extra_repr(translate=(self.translate, None), scale=(self.scale, None), fill=(self.fill, 0.0))
            + ")"
        )


class RandomRotation(RandomAffine):
    """Rotate each image by its own angle, uniform in ``degrees`` (d for [-d, d], or a (min, max) pair),
    counter-clockwise for positive angles as in torchvision, about the centre; ``fill`` outside."""

    def __init__(self, degrees, fill=0.0, generator=None):
        super().__init__(degrees, fill=fill, generator=generator)

    def __repr__(self):
        return f"RandomRotation(degrees={self.degrees}" + self._extra_repr(fill=(self.fill, 0.0)) + ")"


class ElasticDistortion(_ImageTransform):
    """Simard et al. (2003)'s elastic distortion: move each pixel by a random field, uniform in [-1, 1] per
    pixel and image, smoothed by a Gaussian of std ``sigma`` and scaled by ``alpha`` (pixels). Bilinear."""

    def __init__(self, alpha=34.0, sigma=4.0, fill=0.0, generator=None):
        self.alpha = _non_negative("ElasticDistortion", "alpha", alpha)
        self.sigma = _non_negative("ElasticDistortion", "sigma", sigma)
        self.fill = _real("ElasticDistortion", "fill", fill)
        self.generator = generator
        numpy_generator(generator, "ElasticDistortion")

    def _displacement(self, n, h, w, rng):
        """Per-image (dy, dx) fields, shape (n, 2, h, w): smoothed along H and W by two batched matmuls."""
        field = rng.random((n, 2, h, w), dtype=np.float32) * 2 - 1
        field = _gaussian_matrix(h, self.sigma) @ field @ _gaussian_matrix(w, self.sigma).T
        return field * np.float32(self.alpha)

    def _apply(self, batch, rng):
        n, _, h, w = batch.shape
        shift = self._displacement(n, h, w, rng)
        rows = np.arange(h, dtype=np.float32)[:, None] + shift[:, 0]
        cols = np.arange(w, dtype=np.float32) + shift[:, 1]
        return _resample(batch, rows, cols, self.fill)

    def __repr__(self):
        return (
            f"ElasticDistortion(alpha={self.alpha}, sigma={self.sigma}" + self._extra_repr(fill=(self.fill, 0.0)) + ")"
        )
