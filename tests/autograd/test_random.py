"""Random draws: torch's signatures (generator=, the *_like forms, multinomial, bernoulli, normal's four
forms, the in-place fills), their statistics over 100k draws, reproducibility with al.manual_seed and with
an al.Generator, shapes and dtypes as torch, and the errors for bad arguments."""

import numpy as np
import pytest

import autograd_lite as al

N = 100_000


def _gen(seed=0):
    return al.Generator().manual_seed(seed)


def test_generator_manual_seed_returns_the_generator():
    g = al.Generator()
    assert g.manual_seed(3) is g and g.initial_seed() == 3


# ---- statistics ------------------------------------------------------------------------------------------


def _moments(t):
    a = np.asarray(t._array, dtype=np.float64)
    return a.mean(), a.std()


@pytest.mark.parametrize(
    "draw, mean, std",
    [
        (lambda g: al.rand(N, generator=g), 0.5, (1 / 12) ** 0.5),
        (lambda g: al.randn(N, generator=g), 0.0, 1.0),
        (lambda g: al.rand_like(al.zeros(N), generator=g), 0.5, (1 / 12) ** 0.5),
        (lambda g: al.randn_like(al.zeros(N, dtype=al.float64), generator=g), 0.0, 1.0),
        (lambda g: al.randint(0, 10, (N,), generator=g), 4.5, (99 / 12) ** 0.5),
        (lambda g: al.randint_like(al.zeros(N), 3, 7, generator=g), 4.5, (15 / 12) ** 0.5),
        (lambda g: al.normal(2.0, 3.0, (N,), generator=g), 2.0, 3.0),
        (lambda g: al.normal(al.full((N,), -1.0), 0.5, generator=g), -1.0, 0.5),
        (lambda g: al.normal(1.0, al.full((N,), 2.0), generator=g), 1.0, 2.0),
        (lambda g: al.normal(al.zeros(N), al.full((N,), 0.1), generator=g), 0.0, 0.1),
        (lambda g: al.bernoulli(al.full((N,), 0.3), generator=g), 0.3, (0.21) ** 0.5),
        (lambda g: al.bernoulli(al.zeros(N), 0.8, generator=g), 0.8, (0.16) ** 0.5),
        (lambda g: al.normal_(al.empty(N), 0.0, 0.02, generator=g), 0.0, 0.02),
        (lambda g: al.uniform_(al.empty(N), -2.0, 4.0, generator=g), 1.0, (36 / 12) ** 0.5),
        (lambda g: al.bernoulli_(al.empty(N), 0.25, generator=g), 0.25, (0.1875) ** 0.5),
        (lambda g: al.exponential_(al.empty(N), 2.0, generator=g), 0.5, 0.5),
        (lambda g: al.random_(al.empty(N), 10, generator=g), 4.5, (99 / 12) ** 0.5),
        (lambda g: al.random_(al.empty(N, dtype=al.int64), 5, 9, generator=g), 6.5, (15 / 12) ** 0.5),
    ],
)
def test_mean_and_std(draw, mean, std):
    m, s = _moments(draw(_gen(1)))
    assert abs(m - mean) < 5 * std / N**0.5 + 1e-12
    assert abs(s - std) < 0.02 * std


def test_multinomial_frequencies():
    p = np.array([0.1, 0.2, 0.0, 0.7])
    draws = al.multinomial(al.tensor(p), N, replacement=True, generator=_gen(2))
    assert draws.shape == (N,) and draws.dtype == np.int64
    freq = np.bincount(draws._array, minlength=4) / N
    np.testing.assert_allclose(freq, p, atol=0.01)
    assert freq[2] == 0


def test_multinomial_without_replacement():
    weights = al.tensor([[1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 0.0, 1.0]])
    rows = al.multinomial(weights[:1], 4, generator=_gen(3))
    assert rows.shape == (1, 4) and rows.dtype == np.int64
    assert sorted(rows._array[0].tolist()) == [0, 1, 2, 3]
    two = al.multinomial(weights, 2, generator=_gen(3))
    assert sorted(two._array[1].tolist()) == [1, 3]
    # the first draw without replacement is a draw from the weights
    firsts = np.array([al.multinomial(weights[0], 2, generator=g)._array[0] for g in [_gen(s) for s in range(4000)]])
    np.testing.assert_allclose(np.bincount(firsts, minlength=4) / 4000, [0.1, 0.2, 0.3, 0.4], atol=0.03)


# ---- reproducibility -------------------------------------------------------------------------------------

DRAWS = [
    lambda g: al.rand(3, 4, generator=g),
    lambda g: al.randn(5, generator=g),
    lambda g: al.randint(0, 100, (6,), generator=g),
    lambda g: al.randperm(10, generator=g),
    lambda g: al.rand_like(al.zeros(3), generator=g),
    lambda g: al.randn_like(al.zeros(3), generator=g),
    lambda g: al.randint_like(al.zeros(3), 10, generator=g),
    lambda g: al.multinomial(al.tensor([0.2, 0.3, 0.5]), 2, generator=g),
    lambda g: al.multinomial(al.tensor([0.2, 0.3, 0.5]), 5, True, generator=g),
    lambda g: al.bernoulli(al.full((8,), 0.5), generator=g),
    lambda g: al.normal(0.0, 1.0, (4,), generator=g),
    lambda g: al.normal_(al.empty(4), generator=g),
    lambda g: al.uniform_(al.empty(4), generator=g),
    lambda g: al.bernoulli_(al.empty(4), generator=g),
    lambda g: al.exponential_(al.empty(4), generator=g),
    lambda g: al.random_(al.empty(4), generator=g),
]


@pytest.mark.parametrize("i", range(len(DRAWS)))
def test_generator_reproducible_and_independent_of_the_global_one(i):
    draw = DRAWS[i]
    al.manual_seed(0)
    a = draw(_gen(7))._array.copy()
    al.manual_seed(1)
    b = draw(_gen(7))._array.copy()
    np.testing.assert_array_equal(a, b)
    g = _gen(7)
    draw(g)
    assert not np.array_equal(draw(g)._array, a) or a.size < 3  # the generator moved on


@pytest.mark.parametrize("i", range(len(DRAWS)))
def test_manual_seed_reproducible(i):
    draw = DRAWS[i]
    al.manual_seed(11)
    a = draw(None)._array.copy()
    al.manual_seed(11)
    np.testing.assert_array_equal(draw(None)._array, a)


def test_bad_generator_is_a_type_error():
    with pytest.raises(TypeError, match="randn: generator must be an autograd_lite.Generator"):
        al.randn(3, generator=42)
    with pytest.raises(TypeError, match="normal_: generator"):
        al.normal_(al.empty(2), generator="seed")


# ---- shapes and dtypes -----------------------------------------------------------------------------------


def test_shapes_and_dtypes():
    x32, x64 = al.zeros(2, 3), al.zeros(2, 3, dtype=al.float64)
    assert al.rand_like(x32).dtype == np.float32 and al.rand_like(x64).shape == (2, 3)
    assert al.randn_like(x64).dtype == np.float64
    assert al.randn_like(x32, dtype=al.float64).dtype == np.float64
    assert al.randint_like(x32, 5).dtype == np.float32
    assert al.randint_like(al.zeros(2, dtype=al.int32), 1, 5).dtype == np.int32
    assert al.bernoulli(x64).dtype == np.float64 and al.bernoulli(x32, 0.5).shape == (2, 3)
    assert al.normal(0.0, 1.0, (2, 3)).dtype == np.float32
    assert al.normal(0.0, 1.0, size=(2,), dtype=al.float64).dtype == np.float64
    assert al.normal(al.zeros(3, 1, dtype=al.float64), al.ones(4)).shape == (3, 4)
    assert al.normal(al.zeros(3, dtype=al.float64), al.ones(3)).dtype == np.float64
    t = al.randn(3, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    assert not al.normal(al.zeros(2, requires_grad=True), 1.0).requires_grad


def test_shapes_and_dtypes_as_torch():
    torch = pytest.importorskip("torch")
    cases = [
        (lambda m: m.rand_like(m.zeros(2, 3)),),
        (lambda m: m.randn_like(m.zeros(2, 3, dtype=m.float64)),),
        (lambda m: m.randint_like(m.zeros(4), 3, 9),),
        (lambda m: m.randint_like(m.zeros(4, dtype=m.int32), 9),),
        (lambda m: m.multinomial(m.tensor([0.5, 0.5, 1.0]), 2),),
        (lambda m: m.multinomial(m.tensor([[0.5, 0.5, 1.0]] * 4), 5, True),),
        (lambda m: m.bernoulli(m.full((3, 2), 0.5)),),
        (lambda m: m.bernoulli(m.zeros(3, dtype=m.float64), 0.5),),
        (lambda m: m.normal(m.zeros(2, 1), m.ones(3)),),
        (lambda m: m.normal(m.zeros(2, dtype=m.float64), 1.0),),
        (lambda m: m.normal(0.0, m.ones(2, 2)),),
        (lambda m: m.normal(0.0, 1.0, (3, 4)),),
        (lambda m: m.randint(0, 5, (2,), generator=m.Generator().manual_seed(0)),),
        (lambda m: m.randperm(4, generator=m.Generator().manual_seed(0)),),
    ]
    for (case,) in cases:
        ours, theirs = case(al), case(torch)
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")


# ---- in-place fills --------------------------------------------------------------------------------------


def test_fills_write_in_place_bump_the_version_and_return_the_tensor():
    from autograd_lite._internal import version

    t = al.zeros(4, 5)
    view = t[1]
    before = version(t)
    assert al.normal_(view, 3.0, 0.0) is view
    assert version(t) == before + 1
    np.testing.assert_array_equal(t._array[1], 3.0)
    np.testing.assert_array_equal(t._array[0], 0.0)
    assert al.uniform_(t, 2.0, 2.0) is t and (t._array == 2.0).all()


def test_fills_refuse_a_leaf_that_requires_grad_outside_no_grad():
    w = al.zeros(3, requires_grad=True)
    for fill in (al.normal_, al.uniform_, al.bernoulli_, al.exponential_, al.random_):
        with pytest.raises(RuntimeError, match=f"{fill.__name__}: a leaf tensor that requires grad"):
            fill(w)
        with al.no_grad():
            assert fill(w) is w
    assert w.requires_grad and w.is_leaf


def test_weight_init_idiom():
    w = al.zeros(1000, requires_grad=True)
    with al.no_grad():
        al.normal_(w, 0.0, 0.02)
    assert abs(float(w._array.std()) - 0.02) < 0.003


def test_fill_in_a_graph_cuts_the_gradient_to_the_old_value():
    x = al.ones(3, requires_grad=True)
    y = x * 2
    al.normal_(y)
    (y * 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad._array, 0.0)


def test_fill_bad_arguments():
    with pytest.raises(TypeError, match="normal_: expects a floating point tensor"):
        al.normal_(al.zeros(3, dtype=al.int64))
    with pytest.raises(ValueError, match="normal_: expects std >= 0.0"):
        al.normal_(al.zeros(3), 0.0, -1.0)
    with pytest.raises(ValueError, match=r"uniform_: expects to return a \[from, to\) range"):
        al.uniform_(al.zeros(3), 1.0, 0.0)
    with pytest.raises(ValueError, match=r"bernoulli_: expects p to be in \[0, 1\]"):
        al.bernoulli_(al.zeros(3), 1.5)
    with pytest.raises(ValueError, match="exponential_: expects lambda > 0"):
        al.exponential_(al.zeros(3), 0.0)
    with pytest.raises(ValueError, match="random_: high"):
        al.random_(al.zeros(3), 5, 2)


def test_random_forms():
    t = al.random_(al.empty(1000, dtype=al.int64), 3)
    assert set(np.unique(t._array)) == {0, 1, 2}
    t = al.random_(al.empty(1000), 4, 6)
    assert set(np.unique(t._array)) == {4.0, 5.0}
    t = al.random_(al.empty(1000, dtype=al.uint8))
    assert t._array.min() >= 0 and t._array.max() > 200
    t = al.random_(al.empty(1000, dtype=al.bool))
    assert set(np.unique(t._array)) == {False, True}
    f = al.random_(al.empty(1000))
    assert f._array.max() <= 2**24 and f._array.max() > 2**20


# ---- errors ----------------------------------------------------------------------------------------------


def test_multinomial_errors():
    p = al.tensor([0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="multinomial: cannot sample n_sample > prob_dist.size"):
        al.multinomial(p, 4)
    last = al.multinomial(al.tensor([0.0, 0.0, 1.0, 0.0]), 3)  # zero weights last, as torch
    assert last._array[0] == 2 and len(set(last._array.tolist())) == 3
    with pytest.raises(ValueError, match=r"inf`, `nan` or element < 0"):
        al.multinomial(al.tensor([0.5, -0.1]), 1)
    with pytest.raises(ValueError, match="sum of probabilities <= 0"):
        al.multinomial(al.tensor([[0.0, 0.0], [1.0, 1.0]]), 1, True)
    with pytest.raises(ValueError, match="1 or 2 dim"):
        al.multinomial(al.ones(2, 2, 2), 1)
    with pytest.raises(ValueError, match="n_sample <= 0"):
        al.multinomial(p, 0)
    with pytest.raises(TypeError, match="floating point"):
        al.multinomial(al.tensor([1, 2]), 1)
    assert al.multinomial(p, 10, replacement=True).shape == (10,)


def test_other_errors():
    with pytest.raises(ValueError, match=r"bernoulli: expects p to be in \[0, 1\]"):
        al.bernoulli(al.tensor([0.5, 1.2]))
    with pytest.raises(TypeError, match="bernoulli: input must be a floating point"):
        al.bernoulli(al.tensor([0, 1]))
    with pytest.raises(ValueError, match="normal: expects std >= 0.0"):
        al.normal(al.zeros(2), -1.0)
    with pytest.raises(TypeError, match="normal: .*give a size"):
        al.normal(0.0, 1.0)
    with pytest.raises(TypeError, match="rand_like: dtype must be a floating point"):
        al.rand_like(al.zeros(2, dtype=al.int64))
    with pytest.raises(ValueError, match=r"randint_like: high \(2\) must be greater than low \(5\)"):
        al.randint_like(al.zeros(2), 5, 2)
    with pytest.raises(TypeError, match="randn_like: input must be a Tensor"):
        al.randn_like([1.0, 2.0])


@pytest.mark.parametrize(
    "method, args",
    [
        ("normal_", (0.5, 2.0)),
        ("uniform_", (-1.0, 3.0)),
        ("bernoulli_", (0.3,)),
        ("exponential_", (2.0,)),
        ("random_", (0, 7)),
    ],
)
def test_tensor_methods_are_the_fills(method, args):
    """``w.normal_(...)`` (the DCGAN init idiom) draws what ``al.normal_(w, ...)`` draws, in place."""
    a, b = al.zeros(4, 5, dtype=al.float64), al.zeros(4, 5, dtype=al.float64)
    al.manual_seed(11)
    returned = getattr(a, method)(*args)
    al.manual_seed(11)
    getattr(al, method)(b, *args)
    assert returned is a
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert np.unique(a.numpy()).size > 1
