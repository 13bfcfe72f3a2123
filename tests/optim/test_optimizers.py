"""Optimizers without torch: closed-form updates, L1 against L2, validation, param groups, version counters and
checkpoints that resume bit-for-bit."""

import copy
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, strategies as st

import autograd_lite as al
import nn
import optim


def _param(values, dtype=np.float64):
    return al.tensor(np.array(values, dtype=dtype), requires_grad=True)


def _set_grad(p, values):
    p.grad = al.tensor(np.array(values, dtype=p.dtype))


# ---- closed forms ------------------------------------------------------------------------------------------


def test_sgd_plain_step_is_w_minus_lr_g():
    p = _param([1.0, -2.0, 3.0])
    opt = optim.SGD([p], lr=0.5)
    _set_grad(p, [0.2, 0.4, -1.0])
    opt.step()
    np.testing.assert_allclose(p._array, [0.9, -2.2, 3.5], rtol=0, atol=1e-15)


def test_sgd_momentum_closed_form_over_three_steps():
    p = _param([1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    grads = [1.0, 2.0, -1.0]
    w, buf = 1.0, None
    for g in grads:
        _set_grad(p, [g])
        opt.step()
        buf = g if buf is None else 0.9 * buf + 0.5 * g
        w -= 0.1 * buf
        assert p._array[0] == pytest.approx(w, abs=1e-15)
    assert opt.state[p]["momentum_buffer"]._array[0] == pytest.approx(buf, abs=1e-15)


def test_sgd_nesterov_and_weight_decay_closed_form():
    p = _param([2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.25)
    _set_grad(p, [1.0])
    opt.step()
    g1 = 1.0 + 0.25 * 2.0  # 1.5; buffer = 1.5; step = g + μ·buf = 2.25
    w1 = 2.0 - 0.1 * (g1 + 0.5 * g1)
    assert p._array[0] == pytest.approx(w1, abs=1e-15)
    opt.step()
    g2 = 1.0 + 0.25 * w1
    buf2 = 0.5 * g1 + g2
    assert p._array[0] == pytest.approx(w1 - 0.1 * (g2 + 0.5 * buf2), abs=1e-15)


def test_sgd_maximize_ascends():
    p = _param([1.0])
    opt = optim.SGD([p], lr=0.1, maximize=True)
    _set_grad(p, [2.0])
    opt.step()
    assert p._array[0] == pytest.approx(1.2, abs=1e-15)


def test_l1_decay_subtracts_lr_lambda_sign_w_with_sign_zero_zero():
    p = _param([0.5, -0.3, 0.0, 2.0])
    opt = optim.SGD([p], lr=0.1, l1_decay=1.0)
    _set_grad(p, [0.0, 0.0, 0.0, 1.0])
    opt.step()
    np.testing.assert_allclose(p._array, [0.4, -0.2, 0.0, 2.0 - 0.1 * (1.0 + 1.0)], rtol=0, atol=1e-15)


def test_adam_first_step_moves_each_weight_by_lr_against_its_gradient_sign():
    p = _param([1.0, 1.0, 1.0])
    opt = optim.Adam([p], lr=0.01, eps=0.0)
    _set_grad(p, [3.0, -0.5, 1e-3])
    opt.step()
    np.testing.assert_allclose(p._array, [0.99, 1.01, 0.99], rtol=0, atol=1e-15)
    assert opt.state[p]["step"] == 1


def test_adam_second_step_closed_form_with_bias_correction_and_eps():
    b1, b2, lr, eps = 0.8, 0.9, 0.1, 1e-3
    p = _param([0.0])
    opt = optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    m = v = w = 0.0
    for t, g in enumerate([1.0, -2.0], start=1):
        _set_grad(p, [g])
        opt.step()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w -= lr / (1 - b1**t) * m / (math.sqrt(v) / math.sqrt(1 - b2**t) + eps)
        assert p._array[0] == pytest.approx(w, abs=1e-14)


def test_amsgrad_normalises_by_the_running_maximum_of_v():
    p = _param([0.0])
    opt = optim.Adam([p], lr=0.1, betas=(0.0, 0.5), eps=0.0, amsgrad=True)
    _set_grad(p, [4.0])
    opt.step()
    _set_grad(p, [1.0])
    opt.step()
    v1, v2 = 0.5 * 16, 0.5 * 0.5 * 16 + 0.5 * 1.0
    assert opt.state[p]["max_exp_avg_sq"]._array[0] == v1 > v2
    expected = -0.1 - 0.1 * 1.0 / (math.sqrt(v1) / math.sqrt(1 - 0.25))
    assert p._array[0] == pytest.approx(expected, abs=1e-15)


def test_adamw_decays_weights_multiplicatively_even_without_gradient_signal():
    p = _param([2.0, -4.0])
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.5)
    _set_grad(p, [0.0, 0.0])
    opt.step()
    np.testing.assert_array_equal(p._array, np.array([2.0, -4.0]) * (1 - 0.1 * 0.5))
    assert opt.defaults["weight_decay"] == 0.01 or opt.param_groups[0]["weight_decay"] == 0.5


def test_rmsprop_first_step_closed_form():
    p = _param([1.0, 1.0])
    opt = optim.RMSprop([p], lr=0.01, alpha=0.9, eps=1e-8)
    _set_grad(p, [2.0, -1.0])
    opt.step()
    g = np.array([2.0, -1.0])
    np.testing.assert_allclose(p._array, 1.0 - 0.01 * g / (np.sqrt(0.1 * g * g) + 1e-8), rtol=0, atol=1e-15)


def test_rmsprop_centered_with_momentum_two_steps():
    p = _param([0.0])
    opt = optim.RMSprop([p], lr=0.1, alpha=0.5, eps=0.0, centered=True, momentum=0.5)
    v = mean = buf = w = 0.0
    for g in [1.0, 3.0]:
        _set_grad(p, [g])
        opt.step()
        v = 0.5 * v + 0.5 * g * g
        mean = 0.5 * mean + 0.5 * g
        buf = 0.5 * buf + g / math.sqrt(v - mean * mean)
        w -= 0.1 * buf
        assert p._array[0] == pytest.approx(w, abs=1e-14)


def test_adagrad_closed_form_with_lr_decay_and_initial_accumulator():
    p = _param([0.0])
    opt = optim.Adagrad([p], lr=1.0, lr_decay=0.5, initial_accumulator_value=1.0, eps=0.0)
    s, w = 1.0, 0.0
    for t, g in enumerate([1.0, 2.0, -1.0], start=1):
        _set_grad(p, [g])
        opt.step()
        s += g * g
        w -= 1.0 / (1 + (t - 1) * 0.5) * g / math.sqrt(s)
        assert p._array[0] == pytest.approx(w, abs=1e-15)


def test_torch_defaults():
    p = _param([1.0])
    assert optim.SGD([p]).defaults["lr"] == 1e-3
    adam = optim.Adam([p]).defaults
    assert (adam["lr"], adam["betas"], adam["eps"], adam["weight_decay"], adam["amsgrad"]) == (
        1e-3,
        (0.9, 0.999),
        1e-8,
        0.0,
        False,
    )
    assert optim.AdamW([p]).defaults["weight_decay"] == 1e-2
    rms = optim.RMSprop([p]).defaults
    assert (rms["lr"], rms["alpha"], rms["eps"], rms["momentum"], rms["centered"]) == (1e-2, 0.99, 1e-8, 0.0, False)
    ada = optim.Adagrad([p]).defaults
    assert (ada["lr"], ada["lr_decay"], ada["initial_accumulator_value"], ada["eps"]) == (1e-2, 0.0, 0.0, 1e-10)


# ---- L1 against L2 -----------------------------------------------------------------------------------------


def _train_regression(**sgd_options):
    """Least squares on 8 inputs of which 6 are always zero (like MNIST's blank border pixels): the weights of
    those inputs get exactly zero gradient, so they carry no signal. Returns (initial, learned) weights."""
    rng = np.random.default_rng(0)
    x = np.zeros((256, 8))
    x[:, :2] = rng.standard_normal((256, 2))
    y = x[:, :2] @ np.array([2.0, -3.0]) + 0.1 * rng.standard_normal(256)
    w0 = rng.standard_normal(8) * 0.5
    w = al.tensor(w0, requires_grad=True)
    opt = optim.SGD([w], lr=0.05, **sgd_options)
    xt, yt = al.tensor(x), al.tensor(y)
    for _ in range(400):
        opt.zero_grad()
        loss = ((xt @ w - yt) ** 2).mean()
        loss.backward()
        opt.step()
    return w0, w._array


def test_l1_drives_weights_without_signal_to_exactly_zero_while_l2_only_shrinks_them():
    w0, plain = _train_regression()
    _, l1 = _train_regression(l1_decay=0.1)
    _, l2 = _train_regression(weight_decay=0.05)
    np.testing.assert_array_equal(plain[2:], w0[2:])
    np.testing.assert_array_equal(l1[2:], np.zeros(6))
    np.testing.assert_allclose(l2[2:], w0[2:] * (1 - 0.05 * 0.05) ** 400, rtol=1e-9)
    assert np.all(l2[2:] != 0)
    np.testing.assert_allclose(plain[:2], [2.0, -3.0], atol=0.05)
    assert np.all(np.abs(l1[:2]) > 1.5) and np.all(np.abs(l2[:2]) > 1.5)


def test_l1_without_gradient_signal_reaches_zero_and_stays_there():
    p = _param([0.37, -0.52, 0.0, 1e-4])
    opt = optim.SGD([p], lr=0.1, l1_decay=0.3)
    for _ in range(30):
        _set_grad(p, [0.0] * 4)
        opt.step()
    np.testing.assert_array_equal(p._array, np.zeros(4))


def test_l2_without_gradient_signal_decays_geometrically_and_never_reaches_zero():
    p = _param([0.37, -0.52])
    opt = optim.SGD([p], lr=0.1, weight_decay=0.3)
    for _ in range(30):
        _set_grad(p, [0.0, 0.0])
        opt.step()
    np.testing.assert_allclose(p._array, np.array([0.37, -0.52]) * (1 - 0.03) ** 30, rtol=1e-12)


# ---- validation --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: optim.SGD([p], lr=-0.1), "lr"),
        (lambda p: optim.SGD([p], lr=float("nan")), "lr"),
        (lambda p: optim.SGD([p], lr=0.1, momentum=1.0), "momentum"),
        (lambda p: optim.SGD([p], lr=0.1, momentum=-0.5), "momentum"),
        (lambda p: optim.SGD([p], lr=0.1, nesterov=True), "nesterov"),
        (lambda p: optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "nesterov"),
        (lambda p: optim.SGD([p], lr=0.1, weight_decay=-1), "weight_decay"),
        (lambda p: optim.SGD([p], lr=0.1, l1_decay=-1), "l1_decay"),
        (lambda p: optim.Adam([p], betas=(1.0, 0.999)), r"betas\[0\]"),
        (lambda p: optim.Adam([p], betas=(0.9, -0.1)), r"betas\[1\]"),
        (lambda p: optim.Adam([p], betas=0.9), "betas"),
        (lambda p: optim.AdamW([p], eps=-1e-8), "eps"),
        (lambda p: optim.RMSprop([p], alpha=1.5), "alpha"),
        (lambda p: optim.RMSprop([p], momentum=1.0), "momentum"),
        (lambda p: optim.Adagrad([p], lr_decay=-0.1), "lr_decay"),
        (lambda p: optim.Adadelta([p], rho=1.5), "rho"),
        (lambda p: optim.Adadelta([p], lr=-1.0), "lr"),
        (lambda p: optim.NAdam([p], momentum_decay=-0.1), "momentum_decay"),
        (lambda p: optim.NAdam([p], betas=(0.9, 1.0)), r"betas\[1\]"),
        (lambda p: optim.SGD([{"params": [p], "momentum": 2.0}], lr=0.1), "momentum"),
    ],
)
def test_bad_hyper_parameters_raise_value_error_naming_them(make, message):
    with pytest.raises(ValueError, match=message) as info:
        make(_param([1.0]))
    assert type(info.value) is ValueError


def test_bad_params_arguments():
    p = _param([1.0])
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="set"):
        optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(TypeError, match="only optimize Tensors.*ndarray"):
        optim.SGD([np.ones(3)], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(TypeError, match="must be a dict"):
        optim.SGD([p], lr=0.1).add_param_group([p])


# ---- groups, skipping, zero_grad, closures, versions -------------------------------------------------------


def test_param_groups_use_their_own_hyper_parameters_and_defaults_for_the_rest():
    a, b = _param([1.0]), _param([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.5}], lr=0.1)
    assert opt.param_groups[0]["momentum"] == 0 and opt.param_groups[1]["lr"] == 0.5
    _set_grad(a, [1.0])
    _set_grad(b, [1.0])
    opt.step()
    assert a._array[0] == pytest.approx(0.9) and b._array[0] == pytest.approx(0.5)
    c = _param([3.0])
    opt.add_param_group({"params": [c], "lr": 1.0})
    _set_grad(c, [1.0])
    opt.step()
    assert c._array[0] == pytest.approx(2.0)


def test_named_parameters_are_accepted_and_names_kept():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]


def test_parameters_without_gradient_are_skipped_and_get_no_state():
    a, b = _param([1.0]), _param([2.0])
    opt = optim.Adam([a, b], lr=0.1)
    _set_grad(a, [1.0])
    opt.step()
    assert b._array[0] == 2.0 and b not in opt.state and a in opt.state


def test_zero_grad_to_none_or_to_zeros():
    p = _param([1.0, 2.0])
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and np.all(p.grad._array == 0)
    opt.zero_grad()
    assert p.grad is None


def test_step_calls_closure_with_grad_enabled_and_returns_its_loss():
    p = _param([3.0])
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with al.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0 and p._array[0] == pytest.approx(3.0 - 0.1 * 6.0)


def test_step_bumps_the_version_so_a_stale_graph_refuses_to_backpropagate():
    p = _param([1.0, 2.0])
    opt = optim.SGD([p], lr=0.1)
    _set_grad(p, [1.0, 1.0])
    y = (p * p).sum()
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an in-place operation|version"):
        y.backward()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3, l1_decay=1e-4),
        lambda ps: optim.Adam(ps, amsgrad=True, weight_decay=1e-3),
        lambda ps: optim.AdamW(ps),
        lambda ps: optim.RMSprop(ps, centered=True, momentum=0.9),
        lambda ps: optim.Adagrad(ps, lr_decay=0.01),
        lambda ps: optim.Adadelta(ps, weight_decay=1e-3),
        lambda ps: optim.NAdam(ps, weight_decay=1e-3, decoupled_weight_decay=True),
    ],
)
def test_float32_parameters_and_state_stay_float32(make):
    model = nn.Linear(4, 3)
    opt = make(model.parameters())
    x = al.randn(5, 4)
    for _ in range(3):
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
    for p in model.parameters():
        assert p.dtype == np.float32
        for value in opt.state[p].values():
            if isinstance(value, al.Tensor):
                assert value.dtype == np.float32


# ---- checkpoints -------------------------------------------------------------------------------------------

OPTIMIZERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-3, l1_decay=1e-4),
    "nesterov": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True, weight_decay=1e-2),
    "adamw": lambda ps: optim.AdamW(ps, lr=0.01),
    "rmsprop": lambda ps: optim.RMSprop(ps, lr=0.01, centered=True, momentum=0.5),
    "adagrad": lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
    "adadelta": lambda ps: optim.Adadelta(ps, lr=0.5, rho=0.8, weight_decay=1e-3),
    "nadam": lambda ps: optim.NAdam(ps, lr=0.01, weight_decay=1e-2, momentum_decay=0.01),
    "nadamw": lambda ps: optim.NAdam(ps, lr=0.01, weight_decay=1e-2, decoupled_weight_decay=True),
}


def _model(seed):
    al.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 2))


def _train(model, opt, batches):
    for x, y in batches:
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_dict_round_trip_through_a_checkpoint_resumes_bit_for_bit(name, tmp_path):
    rng = np.random.default_rng(1)
    batches = [
        (
            al.tensor(rng.standard_normal((16, 5)).astype(np.float32)),
            al.tensor(rng.standard_normal((16, 2)).astype(np.float32)),
        )
        for _ in range(20)
    ]
    model = _model(0)
    opt = OPTIMIZERS[name](model.parameters())
    _train(model, opt, batches[:10])
    al.save({"model": model.state_dict(), "optim": opt.state_dict()}, tmp_path / "ckpt.npz")
    _train(model, opt, batches[10:])

    resumed = _model(123)
    resumed_opt = OPTIMIZERS[name](resumed.parameters())
    checkpoint = al.load(tmp_path / "ckpt.npz")
    resumed.load_state_dict(checkpoint["model"])
    resumed_opt.load_state_dict(checkpoint["optim"])
    _train(resumed, resumed_opt, batches[10:])
    for a, b in zip(model.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a._array, b._array)


COPIERS = {"deepcopy": copy.deepcopy, "pickle": lambda obj: pickle.loads(pickle.dumps(obj))}


def _batches(n, seed=1):
    rng = np.random.default_rng(seed)
    return [
        (
            al.tensor(rng.standard_normal((16, 5)).astype(np.float32)),
            al.tensor(rng.standard_normal((16, 2)).astype(np.float32)),
        )
        for _ in range(n)
    ]


@pytest.mark.parametrize("copier", sorted(COPIERS))
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_a_copied_optimizer_continues_its_trajectory(name, copier):
    """Regression: state keyed by id() was lost by deepcopy/pickle, restarting Adam and momentum at step 1."""
    batches = _batches(6)
    model = _model(0)
    opt = OPTIMIZERS[name](model.parameters())
    _train(model, opt, batches[:3])
    copied_model, copied_opt = COPIERS[copier]((model, opt))
    assert len(copied_opt.state) == len(opt.state) > 0
    _train(model, opt, batches[3:])
    _train(copied_model, copied_opt, batches[3:])
    reference = _model(0)
    _train(reference, OPTIMIZERS[name](reference.parameters()), batches)
    for a, b, c in zip(model.parameters(), copied_model.parameters(), reference.parameters()):
        np.testing.assert_array_equal(b._array, a._array)
        np.testing.assert_array_equal(b._array, c._array)


@pytest.mark.parametrize("copier", sorted(COPIERS))
def test_a_copied_scheduler_drives_the_copied_optimizer(copier):
    model = _model(0)
    opt = optim.SGD(model.parameters(), lr=1.0, momentum=0.9)
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    scheduler.step()
    _, opt2, scheduler2 = COPIERS[copier]((model, opt, scheduler))
    assert scheduler2.optimizer is opt2
    for _ in range(3):
        scheduler.step()
        scheduler2.step()
    assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups] == [0.25]
    assert scheduler2.state_dict() == scheduler.state_dict()


@pytest.mark.parametrize("copier", sorted(COPIERS))
def test_a_copied_early_stopping_keeps_its_counters_and_best_state(copier):
    model = _model(0)
    stopper = optim.EarlyStopping(patience=2, restore_best=True)
    stopper.step(1.0, model)
    stopper.step(2.0, model)
    copied = COPIERS[copier](stopper)
    assert (copied.best, copied.best_epoch, copied.num_bad_epochs) == (1.0, 0, 1)
    for key, value in stopper.best_state.items():
        np.testing.assert_array_equal(copied.best_state[key]._array, value._array)
    assert copied.step(3.0, model) and stopper.step(3.0, model)


def test_state_dict_is_a_snapshot_and_load_restores_hyper_parameters():
    p = _param([1.0, 2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    _set_grad(p, [1.0, 1.0])
    opt.step()
    snapshot = opt.state_dict()
    saved_buffer = snapshot["state"][0]["momentum_buffer"]._array.copy()
    opt.param_groups[0]["lr"] = 7.0
    opt.step()
    np.testing.assert_array_equal(snapshot["state"][0]["momentum_buffer"]._array, saved_buffer)
    opt.load_state_dict(snapshot)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["params"] == [p]
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"]._array, saved_buffer)


def test_load_state_dict_errors_name_the_mismatch():
    a, b = _param([1.0]), _param([1.0, 2.0])
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    _set_grad(a, [1.0])
    _set_grad(b, [1.0, 1.0])
    opt.step()
    state = opt.state_dict()
    with pytest.raises(ValueError, match="2 parameters in the state dict but 1"):
        optim.SGD([a], lr=0.1).load_state_dict(state)
    with pytest.raises(ValueError, match="1 parameter groups.*this optimizer has 2"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(state)
    with pytest.raises(ValueError, match=r"parameter 0 has shape \(1,\), but the parameter has shape \(2,\)"):
        optim.SGD([b, a], lr=0.1).load_state_dict(state)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"lr": 0.1})


@given(st.integers(1, 6), st.floats(1e-3, 0.5), st.floats(0.0, 0.95))
def test_sgd_momentum_matches_its_recurrence_for_random_gradients(seed, lr, momentum):
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal(4)
    p = _param(w0)
    opt = optim.SGD([p], lr=lr, momentum=momentum)
    w, buf = w0.copy(), None
    for _ in range(5):
        g = rng.standard_normal(4)
        _set_grad(p, g)
        opt.step()
        buf = g.copy() if buf is None else momentum * buf + g
        w = w - lr * buf
    np.testing.assert_allclose(p._array, w, rtol=1e-12, atol=1e-12)
