"""Image-batch augmentation (``autograd_lite.transforms``): shapes and dtypes for batches, single images and
Tensors; exact geometry (rot90, whole-pixel shifts, linear ramps, identities); seeding; per-image draws;
elastic distortion; Normalize, Compose, RandomApply, Lambda; reprs; argument and input errors; scipy parity."""

import subprocess
import sys

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import transforms as T


def images(n=4, c=1, h=12, w=12, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).random((n, c, h, w)).astype(dtype)


def square_digits(n, size=28, lo=9, hi=19):
    """A batch of n identical images, each a filled square in the middle: a stand-in for a digit."""
    x = np.zeros((n, 1, size, size), np.float32)
    x[:, :, lo:hi, lo:hi] = 1
    return x


RANDOM = [
    lambda: T.RandomRotation(15),
    lambda: T.RandomAffine(10, translate=(0.1, 0.2), scale=(0.9, 1.1)),
    lambda: T.ElasticDistortion(),
    lambda: T.RandomApply(T.ElasticDistortion(), p=0.5),
]
ALL = RANDOM + [lambda: T.Normalize(0.5, 0.25), lambda: T.Compose([T.RandomRotation(5), T.Normalize(0, 1)])]


# ---- shapes, dtypes, kinds of input -----------------------------------------------------------------------
@pytest.mark.parametrize("make", ALL)
@pytest.mark.parametrize("shape", [(5, 1, 28, 28), (3, 3, 10, 14), (1, 28, 28), (2, 9, 7)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_and_dtype_kept_for_arrays(make, shape, dtype):
    x = np.random.default_rng(0).random(shape).astype(dtype)
    y = make()(x)
    assert isinstance(y, np.ndarray) and y.shape == x.shape and y.dtype == x.dtype


@pytest.mark.parametrize("make", ALL)
@pytest.mark.parametrize("shape", [(5, 1, 28, 28), (1, 28, 28)])
def test_tensor_in_tensor_out(make, shape):
    x = al.tensor(np.random.default_rng(0).random(shape).astype(np.float32))
    y = make()(x)
    assert isinstance(y, al.Tensor) and tuple(y.shape) == shape and y.dtype == x.dtype


def test_single_image_is_a_batch_of_one():
    x = images(1)
    al.manual_seed(3)
    batch = T.ElasticDistortion()(x)
    al.manual_seed(3)
    single = T.ElasticDistortion()(x[0])
    np.testing.assert_array_equal(single, batch[0])


def test_input_is_not_modified():
    x = images()
    before = x.copy()
    for make in ALL:
        make()(x)
    np.testing.assert_array_equal(x, before)


def test_empty_batch():
    for make in ALL:
        assert make()(np.zeros((0, 1, 8, 8), np.float32)).shape == (0, 1, 8, 8)


# ---- geometry ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("angle,k", [(90, 1), (-90, -1), (180, 2), (270, 3)])
def test_rotation_by_right_angles_is_rot90(angle, k):
    x = images(3, 2, 9, 9)
    y = T.RandomRotation((angle, angle))(x)
    np.testing.assert_allclose(y, np.rot90(x, k, axes=(2, 3)), atol=1e-5)


def test_positive_angle_is_counter_clockwise():
    """torchvision's convention: +90 degrees takes the top-right corner to the top-left."""
    x = np.zeros((1, 1, 5, 5), np.float32)
    x[0, 0, 0, 4] = 1
    y = T.RandomRotation((90, 90))(x)
    assert y[0, 0, 0, 0] == pytest.approx(1) and y.sum() == pytest.approx(1)


def test_half_turn_of_a_non_square_image_flips_both_axes():
    x = images(2, 1, 6, 11)
    np.testing.assert_allclose(T.RandomRotation((180, 180))(x), x[:, :, ::-1, ::-1], atol=1e-5)


@pytest.mark.parametrize("angle", [-37.0, 12.5, 61.0])
@pytest.mark.parametrize("scale", [0.8, 1.0, 1.7])
def test_rotation_and_scale_of_a_linear_ramp_are_exact(angle, scale):
    """Bilinear interpolation is exact on a linear image, so inside the image the output is the ramp at the
    inverse-transformed coordinates: checks the rotation direction, centre and scale at any angle."""
    h, w = 15, 19
    cy, cx = (h - 1) / 2, (w - 1) / 2
    r, c = np.mgrid[0:h, 0:w].astype(np.float64)
    x = (2 * (c - cx) + 3 * (r - cy)).astype(np.float32)[None, None]
    y = T.affine(x, angle=angle, scale=scale)[0, 0]
    t = np.deg2rad(angle)
    col_in = (np.cos(t) * (c - cx) - np.sin(t) * (r - cy)) / scale + cx
    row_in = (np.sin(t) * (c - cx) + np.cos(t) * (r - cy)) / scale + cy
    inside = (col_in >= 0) & (col_in <= w - 1) & (row_in >= 0) & (row_in <= h - 1)
    assert inside.sum() > 50
    expected = 2 * (col_in - cx) + 3 * (row_in - cy)
    np.testing.assert_allclose(y[inside], expected[inside], atol=2e-4)


def shifted(x, dx, dy, fill):
    """np.roll by whole pixels with the wrapped-in rows and columns set to ``fill``."""
    y = np.roll(x, (dy, dx), axis=(-2, -1))
    if dy > 0:
        y[..., :dy, :] = fill
    elif dy < 0:
        y[..., dy:, :] = fill
    if dx > 0:
        y[..., :, :dx] = fill
    elif dx < 0:
        y[..., :, dx:] = fill
    return y


@pytest.mark.parametrize("dx,dy", [(3, -2), (-4, 0), (0, 5), (1, 1)])
def test_translation_by_whole_pixels_is_a_roll_with_fill(dx, dy):
    x = images(2, 3, 10, 12)
    np.testing.assert_array_equal(T.affine(x, translate=(dx, dy), fill=0.5), shifted(x, dx, dy, 0.5))


def test_random_translations_are_whole_pixels_within_the_limit():
    x = images(32, 1, 10, 20)
    al.manual_seed(0)
    y = T.RandomAffine(0, translate=(0.2, 0.3), fill=-1.0)(x)
    shifts = set()
    for xi, yi in zip(x, y):
        found = [
            (dx, dy) for dx in range(-4, 5) for dy in range(-3, 4) if np.array_equal(yi, shifted(xi, dx, dy, -1.0))
        ]
        assert len(found) == 1
        shifts.add(found[0])
    assert len(shifts) > 10


def test_per_image_parameters_of_affine():
    x = images(3)
    angle, shift, scale = [10.0, -20.0, 30.0], [[1, 0], [0, 2], [-1, -1]], [1.0, 0.9, 1.2]
    y = T.affine(x, angle=angle, translate=shift, scale=scale, fill=0.1)
    for i in range(3):
        np.testing.assert_allclose(y[i], T.affine(x[i], angle[i], shift[i], scale[i], fill=0.1), atol=1e-6)


@pytest.mark.parametrize(
    "transform",
    [
        T.RandomRotation(0),
        T.RandomAffine(0, translate=(0, 0), scale=(1, 1)),
        T.ElasticDistortion(alpha=0),
        T.ElasticDistortion(alpha=0, sigma=0),
    ],
)
def test_zero_transforms_are_the_identity(transform):
    x = images(4, 2)
    np.testing.assert_array_equal(transform(x), x)


@pytest.mark.parametrize("make", RANDOM[:3])
def test_a_constant_image_filled_with_its_value_stays_constant(make):
    x = np.full((4, 1, 10, 10), 0.3, np.float32)
    t = make()
    t.fill = 0.3
    np.testing.assert_allclose(t(x), x, atol=1e-6)


# ---- randomness -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", RANDOM)
def test_manual_seed_makes_draws_reproducible(make):
    x = images(8)
    t = make()
    al.manual_seed(7)
    first = t(x)
    al.manual_seed(7)
    np.testing.assert_array_equal(t(x), first)
    al.manual_seed(8)
    assert not np.array_equal(t(x), first)


@pytest.mark.parametrize("cls", [T.RandomRotation, T.ElasticDistortion])
def test_generator_argument(cls):
    x = images(8)
    args = (20,) if cls is T.RandomRotation else ()
    a = cls(*args, generator=al.Generator().manual_seed(1))(x)
    b = cls(*args, generator=al.Generator().manual_seed(1))(x)
    c = cls(*args, generator=np.random.default_rng(1))(x)
    np.testing.assert_array_equal(a, b)
    assert c.shape == a.shape
    al.manual_seed(1)
    framework = al.default_generator().bit_generator.state
    cls(*args, generator=al.Generator().manual_seed(1))(x)
    assert al.default_generator().bit_generator.state == framework


def test_each_image_gets_its_own_draw():
    x = np.repeat(images(1, 1, 16, 16), 16, axis=0)
    for make in RANDOM[:3]:
        y = make()(x)
        distinct = {y[i].tobytes() for i in range(len(y))}
        assert len(distinct) == len(y)


def test_chunked_batches_draw_the_same_as_one_batch(monkeypatch):
    x = images(7)
    al.manual_seed(2)
    whole = T.RandomRotation(30)(x)
    monkeypatch.setattr(T, "_CHUNK", 3)
    al.manual_seed(2)
    np.testing.assert_allclose(T.RandomRotation(30)(x), whole, atol=1e-6)
    assert T.ElasticDistortion()(x).shape == x.shape


# ---- elastic distortion -----------------------------------------------------------------------------------
def test_elastic_distortion_keeps_the_mass_and_changes_the_image():
    x = square_digits(128)
    al.manual_seed(0)
    y = T.ElasticDistortion()(x)
    ratio = y.sum(axis=(1, 2, 3)) / x.sum(axis=(1, 2, 3))
    assert abs(ratio.mean() - 1) < 0.05
    assert np.all((ratio > 0.4) & (ratio < 2.0))
    assert np.all(np.abs(y - x).max(axis=(1, 2, 3)) > 0.5)
    mild = T.ElasticDistortion(alpha=8)(x).sum(axis=(1, 2, 3)) / x.sum(axis=(1, 2, 3))
    assert np.all(np.abs(mild - 1) < 0.25)


def test_elastic_field_is_smooth_with_the_expected_size():
    """Uniform [-1, 1] noise (std 1/sqrt 3) smoothed by a 2-d Gaussian of std sigma has std
    ~ 1 / (sqrt 3 * 2 sqrt(pi) sigma) in the interior; neighbouring pixels are strongly correlated."""
    alpha, sigma = 34.0, 4.0
    field = T.ElasticDistortion(alpha, sigma)._displacement(3000, 28, 28, np.random.default_rng(0))
    centre = field[:, :, 14, 14]
    expected = alpha / (np.sqrt(3) * 2 * np.sqrt(np.pi) * sigma)
    np.testing.assert_allclose(centre.std(axis=0), expected, rtol=0.1)
    assert abs(centre.mean()) < 0.1
    assert np.corrcoef(field[:, 0, 14, 14], field[:, 0, 14, 15])[0, 1] > 0.9
    assert np.corrcoef(field[:, 0, 14, 14], field[:, 0, 15, 14])[0, 1] > 0.9
    assert abs(np.corrcoef(field[:, 0, 14, 14], field[:, 1, 14, 14])[0, 1]) < 0.1


# ---- Normalize, Compose, RandomApply, Lambda --------------------------------------------------------------
def test_normalize_matches_the_formula():
    x = images(4, 3)
    mean, std = [0.1, 0.2, 0.3], [0.5, 0.25, 2.0]
    y = T.Normalize(mean, std)(x)
    expected = (x - np.array(mean)[:, None, None]) / np.array(std)[:, None, None]
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-6)
    assert y.dtype == np.float32
    np.testing.assert_allclose(T.Normalize(0.1307, 0.3081)(x), (x - 0.1307) / 0.3081, rtol=1e-5)
    np.testing.assert_allclose(T.Normalize((0.5,), (2.0,))(x[0]), (x[0] - 0.5) / 2, rtol=1e-6)


def test_compose_applies_in_order():
    add, double = T.Lambda(lambda x: x + 1), T.Lambda(lambda x: x * 2)
    x = images(2)
    np.testing.assert_allclose(T.Compose([add, double])(x), (x + 1) * 2)
    np.testing.assert_allclose(T.Compose([double, add])(x), x * 2 + 1)
    np.testing.assert_array_equal(T.Compose([])(x), x)


def test_random_apply_chooses_per_image():
    x = images(64)
    add = T.Lambda(lambda b: b + 1)
    al.manual_seed(0)
    y = T.RandomApply(add, p=0.5)(x)
    changed = np.array([np.array_equal(yi, xi + 1) for xi, yi in zip(x, y)])
    kept = np.array([np.array_equal(yi, xi) for xi, yi in zip(x, y)])
    assert np.all(changed | kept) and 10 < changed.sum() < 54
    np.testing.assert_array_equal(T.RandomApply([add], p=0.0)(x), x)
    np.testing.assert_array_equal(T.RandomApply([add, add], p=1.0)(x), (x + 1) + 1)


def test_random_apply_rejects_a_shape_changing_transform():
    with pytest.raises(ValueError, match="RandomApply.*shape"):
        T.RandomApply(T.Lambda(lambda b: b[:, :, 1:]), p=1.0)(images())


# ---- reprs ------------------------------------------------------------------------------------------------
def test_reprs():
    assert repr(T.RandomRotation(10)) == "RandomRotation(degrees=(-10.0, 10.0))"
    assert repr(T.RandomRotation((0, 5), fill=1)) == "RandomRotation(degrees=(0.0, 5.0), fill=1.0)"
    assert repr(T.RandomAffine(10, translate=(0.1, 0.1))) == "RandomAffine(degrees=(-10.0, 10.0), translate=(0.1, 0.1))"
    assert repr(T.RandomAffine(0, scale=(0.9, 1.1))) == "RandomAffine(degrees=(-0.0, 0.0), scale=(0.9, 1.1))"
    assert repr(T.ElasticDistortion()) == "ElasticDistortion(alpha=34.0, sigma=4.0)"
    assert repr(T.Normalize((0.1307,), (0.3081,))) == "Normalize(mean=(0.1307,), std=(0.3081,))"
    assert repr(T.Compose([T.RandomRotation(5), T.RandomApply([T.ElasticDistortion()], p=0.3)])) == (
        "Compose(\n    RandomRotation(degrees=(-5.0, 5.0))\n    RandomApply(\n        p=0.3\n"
        "        ElasticDistortion(alpha=34.0, sigma=4.0)\n    )\n)"
    )


# ---- errors -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make,error,match",
    [
        (lambda: T.ElasticDistortion(sigma=-1), ValueError, r"ElasticDistortion: sigma .*non-negative.*-1"),
        (lambda: T.ElasticDistortion(alpha=-2), ValueError, r"ElasticDistortion: alpha .*non-negative"),
        (lambda: T.ElasticDistortion(sigma="4"), TypeError, r"ElasticDistortion: sigma .*number.*'4'"),
        (lambda: T.RandomRotation((10, -10)), ValueError, r"RandomRotation: degrees .*min <= max.*\(10, -10\)"),
        (lambda: T.RandomRotation(-5), ValueError, r"RandomRotation: degrees must be non-negative.*-5"),
        (lambda: T.RandomRotation((1, 2, 3)), TypeError, r"RandomRotation: degrees"),
        (lambda: T.RandomRotation(float("nan")), TypeError, r"RandomRotation: degrees .*finite"),
        (lambda: T.RandomAffine(0, translate=(0.1, 1.5)), ValueError, r"RandomAffine: translate .*\[0, 1\]"),
        (lambda: T.RandomAffine(0, translate=0.1), TypeError, r"RandomAffine: translate .*pair"),
        (lambda: T.RandomAffine(0, scale=(0, 1)), ValueError, r"RandomAffine: scale .*positive"),
        (lambda: T.RandomAffine(0, scale=(1.2, 0.8)), ValueError, r"RandomAffine: scale .*min <= max"),
        (lambda: T.RandomAffine(0, fill=None), TypeError, r"RandomAffine: fill"),
        (lambda: T.RandomRotation(5, generator=42), TypeError, r"RandomRotation: generator"),
        (lambda: T.Normalize([0.5, 0.5], [0.2, 0.0]), ValueError, r"Normalize: std must be positive"),
        (lambda: T.Normalize([], []), ValueError, r"Normalize: mean must not be empty"),
        (lambda: T.RandomApply(T.RandomRotation(5), p=1.5), ValueError, r"RandomApply: p .*\[0, 1\].*1.5"),
        (lambda: T.RandomApply([T.RandomRotation(5), 3]), TypeError, r"RandomApply: transforms\[1\]"),
        (lambda: T.Compose([T.RandomRotation(5), "flip"]), TypeError, r"Compose: transforms\[1\] .*callable"),
        (lambda: T.Lambda(3), TypeError, r"Lambda: lambd .*callable"),
    ],
)
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("make", ALL[:5])
@pytest.mark.parametrize(
    "bad,error,match",
    [
        (np.zeros((28, 28), np.float32), ValueError, r"\(N, C, H, W\) or one image \(C, H, W\).*\(28, 28\)"),
        (np.zeros((1, 1, 1, 8, 8), np.float32), ValueError, r"ndim 5"),
        (np.zeros((2, 1, 8, 8), np.uint8), TypeError, r"floating-point.*uint8.*astype\(np.float32\) / 255"),
        (np.zeros((2, 1, 8, 8), np.int64), TypeError, r"floating-point.*int64"),
        ([[[0.0]]], TypeError, r"numpy array or an autograd_lite Tensor.*list"),
    ],
)
def test_bad_inputs(make, bad, error, match):
    t = make()
    with pytest.raises(error, match=type(t).__name__ + ": .*" + match):
        t(bad)


def test_normalize_channel_mismatch():
    with pytest.raises(ValueError, match="Normalize: mean and std need 1 or 3 values.*got 2 and 2"):
        T.Normalize([0.1, 0.2], [1, 1])(images(2, 3))


def test_bad_affine_parameters():
    with pytest.raises(ValueError, match=r"affine: angle .*shape \(3,\).*\(2,\)"):
        T.affine(images(3), angle=[1.0, 2.0])
    with pytest.raises(ValueError, match="affine: .*scale positive"):
        T.affine(images(3), scale=0)


# ---- parity with scipy and independence from it -----------------------------------------------------------
def test_resampling_matches_scipy_map_coordinates():
    ndimage = pytest.importorskip("scipy.ndimage")
    x = images(3, 2, 8, 9)
    rng = np.random.default_rng(1)
    rows = rng.uniform(-3, 11, (3, 8, 9)).astype(np.float32)
    cols = rng.uniform(-3, 12, (3, 8, 9)).astype(np.float32)
    coords = np.stack(
        [
            np.broadcast_to(np.arange(6.0)[:, None, None], (6, 8, 9)),
            np.repeat(rows, 2, axis=0),
            np.repeat(cols, 2, axis=0),
        ]
    )
    expected = ndimage.map_coordinates(
        x.reshape(6, 8, 9), coords, order=1, mode="grid-constant", cval=0.4, prefilter=False
    ).reshape(x.shape)
    np.testing.assert_allclose(T._resample(x, rows, cols, 0.4), expected, atol=1e-6)


@pytest.mark.parametrize("n", [5, 28, 31])
@pytest.mark.parametrize("sigma", [0.5, 4.0, 9.0])
def test_gaussian_smoothing_matches_scipy_gaussian_filter(n, sigma):
    ndimage = pytest.importorskip("scipy.ndimage")
    f = np.random.default_rng(0).random((3, n, n + 2)).astype(np.float32)
    smoothed = T._gaussian_matrix(n, sigma) @ f @ T._gaussian_matrix(n + 2, sigma).T
    np.testing.assert_allclose(smoothed, ndimage.gaussian_filter(f, (0, sigma, sigma)), atol=1e-6)


def test_works_without_scipy():
    code = (
        "import sys; sys.modules['scipy'] = None; sys.modules['scipy.ndimage'] = None\n"
        "import numpy as np, autograd_lite as al\n"
        "from autograd_lite import transforms as T\n"
        "x = np.random.default_rng(0).random((4, 1, 28, 28)).astype(np.float32)\n"
        "assert T.Compose([T.RandomAffine(10, translate=(0.1, 0.1)), T.ElasticDistortion()])(x).shape "
        "== x.shape\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
