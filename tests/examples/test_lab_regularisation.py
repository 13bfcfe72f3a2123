"""The learning lab's regularisation experiments (issue 15) on the toy regression problem, each --quick."""

import os
import re

import numpy as np
import pytest

import autograd_lite as al
import nn

pytest.importorskip("matplotlib")

from examples.lab import _toy as toy  # noqa: E402
from examples.lab import dropout, ensembles, more_data, overfitting, penalties  # noqa: E402

NUMBER = r"\d+\.\d+"


def check_figures(result, lines, name):
    assert lines[-1] == result["line"]
    assert result["figures"], "no figure written"
    for path in result["figures"]:
        assert os.path.basename(path).startswith(f"lab_{name}")
        assert os.path.getsize(path) > 5000
        assert f"figure: {path}" in lines


def test_toy_data_is_seeded_and_the_test_set_does_not_depend_on_the_training_size():
    a, b, c = toy.make_data(3), toy.make_data(3, n_train=50), toy.make_data(4)
    assert a["x"].shape == (10, 1) and a["x_test"].shape == (100, 1) and a["x"].dtype == np.float32
    np.testing.assert_array_equal(a["x_test"], b["x_test"])
    np.testing.assert_array_equal(a["x"], b["x"][:10])
    np.testing.assert_array_equal(a["y"], b["y"][:10])
    assert not np.array_equal(a["x"], c["x"])
    assert abs(toy.truth_mse(toy.make_data(0, n_test=20000)) - toy.FLOOR) < 2e-3


def test_overfitting(lab_run):
    result, lines = lab_run(overfitting, "--quick")
    assert re.fullmatch(
        rf"lab overfitting: best test MSE {NUMBER} at step \d+ \(noise floor 0\.0400\), early-stopped retrain "
        rf"{NUMBER}, final {NUMBER}, {NUMBER} s",
        lines[-1],
    )
    check_figures(result, lines, "overfitting")
    history = result["history"]
    assert len(history["test"]) == toy.QUICK_STEPS + 1
    best = result["best_step"]
    assert 0 < best < toy.QUICK_STEPS
    # the test error turns: the end is worse than the minimum while the training error kept falling below it
    assert result["final_test"] > result["best_test"] * 1.02
    assert result["final_train"] < history["train"][best] < history["train"][0]
    assert result["best_test"] > 0.03  # ten points cannot beat the noise by much
    # the retrain from the same initialisation, stopped at the best step, reproduces that test error
    assert result["retrain_test"] == pytest.approx(result["best_test"], abs=1e-6)
    assert "0.0400" in lines[1]


def test_penalties(lab_run):
    result, lines = lab_run(penalties, "--quick")
    assert re.fullmatch(
        rf"lab penalties: best L2 λ \de-\d\d test MSE {NUMBER}, best L1 λ \de-\d\d test MSE {NUMBER} "
        rf"\(\d+/40 weights zero, \d+ units?; pruned to them {NUMBER}\), fresh \d+-unit net {NUMBER} "
        rf"\(L2 1e-03: {NUMBER}\), {NUMBER} s",
        lines[-1],
    )
    check_figures(result, lines, "penalties")
    assert len(result["figures"]) == 2
    l2, l1 = result["L2"], result["L1"]
    np.testing.assert_allclose(l2["lambdas"], [1e-4, 1e-3, 1e-2])
    # the best penalty beats no penalty on the test set
    assert l2["best_test"] < result["plain_test"] and l1["best_test"] < result["plain_test"]
    assert l2["best_test"] == l2["test"].min() and l2["best_lambda"] == l2["lambdas"][l2["test"].argmin()]
    # L2 shrinks but zeroes nothing; L1 leaves exact zeros, more of them the stronger it is
    assert l2["zeros"] == 0 and all(z == 0 for z in l2["zeros_per_lambda"])
    hidden, output = l1["weights"]
    assert l1["zeros"] == np.count_nonzero(hidden == 0) + np.count_nonzero(output == 0) >= 5
    assert l1["zeros_per_lambda"][-1] >= 30 and l1["zeros_per_lambda"][-1] >= l1["zeros_per_lambda"][0]
    # the units counted are those with both weights nonzero; a network of only them computes the same function
    units = result["units"]
    assert units == max(1, int(np.count_nonzero((hidden != 0) & (output != 0)))) < toy.HIDDEN
    assert result["pruned_model"][0].weight.shape == (units, 1)
    assert result["pruned_test"] == pytest.approx(l1["best_test"], abs=1e-5)
    np.testing.assert_allclose(
        toy.predict(result["pruned_model"], toy.GRID), toy.predict(result["best_l1_model"], toy.GRID), atol=1e-5
    )
    # a fresh network that small still overfits without a penalty; a light one helps
    assert result["small_light_test"] < result["small_test"]
    assert f"a fresh {units}-unit network" in "\n".join(lines)


def test_penalties_pruning_folds_constant_units_into_the_bias():
    al.manual_seed(0)
    model = toy.build(hidden=4)
    w1, w2 = (p.detach().numpy() for p in toy.weights(model))
    w1[1, 0] = 0.0  # a constant unit: its output folds into the output bias
    w2[0, 2] = 0.0  # an unused unit
    small = penalties.pruned(model)
    assert small[0].weight.shape == (2, 1)
    np.testing.assert_allclose(toy.predict(small, toy.GRID), toy.predict(model, toy.GRID), atol=1e-6)


def test_ensembles(lab_run):
    result, lines = lab_run(ensembles, "--quick", "--members", "4")
    assert re.fullmatch(
        rf"lab ensembles: ensemble of 4 test MSE {NUMBER}, members {NUMBER} on average \(best {NUMBER}, worst "
        rf"{NUMBER}\), noise floor 0\.0400, {NUMBER} s",
        lines[-1],
    )
    check_figures(result, lines, "ensembles")
    members, ensemble = result["member_test"], result["ensemble_test"]
    assert members.shape == (4,)
    outputs, data = result["test_outputs"], result["data"]
    # independently initialised: the members' fits differ
    assert np.ptp(outputs, axis=0).max() > 1e-3 and len(set(np.round(members, 6))) == 4
    # each member's MSE is what it predicts, and the ensemble is the average of the predictions
    np.testing.assert_allclose(((outputs - data["y_test"]) ** 2).mean(axis=(1, 2)), members, rtol=1e-6)
    assert ensemble == pytest.approx(float(((outputs.mean(axis=0) - data["y_test"]) ** 2).mean()), rel=1e-9)
    # the average's error is below the members' mean error, with a margin (the members' spread)
    spread = ((outputs - outputs.mean(axis=0)) ** 2).mean()
    assert ensemble == pytest.approx(members.mean() - spread, rel=1e-6)
    assert ensemble < members.mean()


def test_ensembles_refuses_a_single_member(lab_run):
    with pytest.raises(SystemExit, match="--members must be at least 2"):
        lab_run(ensembles, "--quick", "--members", "1")


def test_dropout(lab_run):
    result, lines = lab_run(dropout, "--quick")
    assert re.fullmatch(
        rf"lab dropout: final test MSE {NUMBER} with dropout p=0\.2, {NUMBER} without \(best {NUMBER} and "
        rf"{NUMBER}\), noise floor 0\.0400, {NUMBER} s",
        lines[-1],
    )
    check_figures(result, lines, "dropout")
    plain, dropped = result["histories"]["plain"], result["histories"]["dropout"]
    # the same start (dropout has no parameters), then dropout keeps the network off the noise
    assert plain["test"][0] == dropped["test"][0] and plain["train"][0] == dropped["train"][0]
    assert dropped["test"][-1] < plain["test"][-1]
    assert dropped["train"][-1] > 1.2 * plain["train"][-1]
    # training mode drops units at random; eval mode is deterministic and is what was measured
    model, x = result["model"], al.tensor(np.linspace(-1, 1, 50, dtype=np.float32)[:, None])
    assert isinstance(model[2], nn.Dropout) and model[2].p == 0.2
    model.train()
    with al.no_grad():
        assert not np.allclose(model(x).numpy(), model(x).numpy())
    np.testing.assert_array_equal(toy.predict(model, x.numpy()), toy.predict(model, x.numpy()))
    assert model.training  # predict restores the mode


def test_dropout_refuses_a_probability_outside_0_1(lab_run):
    with pytest.raises(SystemExit):
        lab_run(dropout, "--quick", "--p", "1.5")


def test_more_data(lab_run):
    result, lines = lab_run(more_data, "--quick")
    assert re.fullmatch(
        rf"lab more-data: train/test MSE {NUMBER}/{NUMBER} at 10 points, {NUMBER}/{NUMBER} at 1000 \(noise floor "
        rf"0\.0400\), {NUMBER} s",
        lines[-1],
    )
    check_figures(result, lines, "more-data")
    assert result["sizes"] == (10, 100, 1000)
    train, test = result["train"], result["test"]
    gaps = test - train
    # overfitting fades: the gap closes, the training error rises to the noise and the test error falls
    assert gaps[0] > 0.02 and gaps[-1] < gaps[0] / 3
    assert train[0] < train[-1] and test[-1] < test[0]
    assert abs(train[-1] - toy.FLOOR) < 0.01


def test_more_data_refuses_bad_sizes(lab_run):
    with pytest.raises(SystemExit):
        lab_run(more_data, "--quick", "--sizes", "10,abc")
    with pytest.raises(SystemExit):
        lab_run(more_data, "--quick", "--sizes", "1,10")
