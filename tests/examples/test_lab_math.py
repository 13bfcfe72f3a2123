"""The learning lab's mathematical experiments (issue 15): early stopping as L2, the learning slowdown of the
quadratic cost, softmax, and momentum, each run with --quick and its claims checked on the returned numbers."""

import os
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from examples.lab import early_stopping, momentum, slowdown, softmax  # noqa: E402

NUMBER = r"[0-9.e+-]+"


def assert_figures(result, count=1):
    assert len(result["figures"]) == count
    for path in result["figures"]:
        assert os.path.getsize(path) > 5000, path


def test_early_stopping_is_ridge_like_shrinkage(lab_run):
    result, lines = lab_run(early_stopping, "--quick")
    assert re.fullmatch(
        rf"lab early-stopping: GD matches \(1-\(1-eta mu\)\^n\) w\* to {NUMBER}; with alpha = 1/\(eta n\) the "
        rf"ridge shrinkage is within {NUMBER} of it, {NUMBER} s",
        lines[-1],
    )
    assert lines[-1] == result["line"]
    assert_figures(result)
    assert result["hessian_error"] < 1e-12  # the engine's second derivatives are X^T X / m
    mu = result["mu"]
    assert mu.max() / mu.min() > 1e3  # eigenvalues over decades
    assert result["deviation"] < 1e-11 * result["w_star_scale"]  # GD is the closed form up to round-off
    learnt_seen = unlearnt_seen = False
    for row in result["rows"]:
        n, factor = row["n"], result["factors"][row["n"]]
        assert np.allclose(factor, 1 - (1 - result["eta"] * mu) ** n, atol=1e-10)
        # ridge with alpha = 1/(eta n) follows it: within a quarter everywhere, and the best alpha is close to it
        assert row["ridge_gap"] < 0.3
        assert 0.2 < row["best_alpha"] / row["alpha"] < 2
        # the directions with mu >> alpha are learnt, those with mu << alpha are not (early stopping's shrinkage)
        learnt, unlearnt = mu > 10 * row["alpha"], mu < row["alpha"] / 10
        assert np.all(factor[learnt] > 0.9) and np.all(factor[unlearnt] < 0.15)
        learnt_seen, unlearnt_seen = learnt_seen or learnt.any(), unlearnt_seen or unlearnt.any()
    assert learnt_seen and unlearnt_seen


def test_early_stopping_refuses_bad_flags(lab_run):
    with pytest.raises(SystemExit, match="eta-scale"):
        lab_run(early_stopping, "--quick", "--eta-scale", "2.5")
    with pytest.raises(SystemExit, match="steps"):
        lab_run(early_stopping, "--steps", "10,x")


def test_slowdown_quadratic_cost_learns_slowly_when_badly_wrong(lab_run):
    result, lines = lab_run(slowdown, "--quick")
    assert re.fullmatch(
        rf"lab slowdown: from w = b = 2 the cost halves after \d+ epochs \(quadratic\) vs \d+ \(cross-entropy\); "
        rf"initial dC/dw {NUMBER} vs {NUMBER}; after 300 epochs {NUMBER} vs {NUMBER}, {NUMBER} s",
        lines[-1],
    )
    assert_figures(result)
    assert result["grad_error"] < 1e-12  # the engine's gradients are the closed forms
    sigma = 1 / (1 + np.exp(-4.0))
    grad = result["initial_grad"]
    assert grad["quadratic"] == pytest.approx(sigma * sigma * (1 - sigma), rel=1e-9)  # carries sigma'(4) = 0.018
    assert grad["cross-entropy"] == pytest.approx(sigma, rel=1e-9)
    halves = result["halves"]
    assert halves["quadratic", "w = b = 2"] > 150  # the plateau
    assert halves["cross-entropy", "w = b = 2"] < 20
    assert halves["quadratic", "w = 0.6, b = 0.9"] < 50  # not badly wrong: no plateau
    for run in result["runs"].values():
        assert np.all(np.diff(run["cost"]) < 0)


def test_slowdown_refuses_a_bad_learning_rate(lab_run):
    with pytest.raises(SystemExit, match="eta-cross-entropy"):
        lab_run(slowdown, "--eta-cross-entropy", "0")


def test_softmax_is_a_distribution_monotone_and_tends_to_the_one_hot(lab_run):
    result, lines = lab_run(softmax, "--quick")
    assert re.fullmatch(
        rf"lab softmax: outputs sum to 1 within {NUMBER} \(float64\) and {NUMBER} \(float32\); a_j rose with z_j "
        rf"in \d+ of \d+ steps, da_j/dz_j >= 0 in \d+ of \d+; distance to the one-hot {NUMBER} at c = 1, {NUMBER} "
        rf"at c = 100, {NUMBER} s",
        lines[-1],
    )
    assert_figures(result)
    assert result["sum_errors"]["float64"] < 1e-14 and result["sum_errors"]["float32"] < 1e-6
    assert result["in_range"]
    assert result["jacobian_error"] < 1e-12  # the engine's backward is a_k (delta_kj - a_j)
    assert result["diagonal_min"] >= 0 and result["off_diagonal_max"] <= 0
    assert result["increasing"] == result["cases"] == 2000 * 5
    assert result["own_up"].size > 1000 and result["own_up"].all() and result["others_down"].all()
    distances = [result["distances"][c] for c in softmax.REPORT_C]
    assert distances == sorted(distances, reverse=True)  # closer to the one-hot as c grows
    assert distances[0] == pytest.approx(2 * (1 - 1 / 5), abs=0.05)  # c = 0.01: nearly uniform
    assert 0 < result["distances"][100.0] <= result["bounds"][100.0] < 1e-20


def test_momentum_speeds_up_the_valley_and_bad_momenta_are_refused(lab_run):
    result, lines = lab_run(momentum, "--quick")
    assert re.fullmatch(
        r"lab momentum: steps to 1e-6 loss: plain \d+, mu 0\.5 \d+, mu 0\.9 \d+; mu 1\.5 diverges, mu -0\.5 \d+, "
        rf"{NUMBER} s",
        lines[-1],
    )
    assert_figures(result)
    counts = result["counts"]
    assert counts[0.9] < counts[0.5] < counts[0.0] < counts[-0.5]  # momentum helps; negative momentum hurts
    assert counts[0.0] > 3 * counts[0.9]
    assert counts[1.5] is None
    assert result["sgd_vs_hand"] < 1e-12  # optim.SGD's momentum is the book's v <- mu v - eta grad J, w <- w + v
    # the optimizer and the reference network refuse mu outside [0, 1) (PyTorch would accept 1.5)
    for mu, (sgd, network) in result["refusals"].items():
        assert sgd is not None and "invalid momentum" in sgd, mu
        assert network is not None and "[0, 1)" in network, mu
    with pytest.raises(ValueError, match="momentum"):
        momentum.optim.SGD([momentum.al.zeros(2, requires_grad=True)], lr=0.1, momentum=1.5)
    # why: with mu = 1.5 the iteration's spectral radius exceeds 1 and the velocity grows without bound
    assert result["radius"][1.5] > 1 > result["radius"][-0.5] > result["radius"][0.0] > result["radius"][0.9]
    speeds = result["speeds_mu_1_5"]
    assert speeds[-1] > 1e5 * speeds[1] and result["hand_losses"][1.5][-1] > 1e10


@pytest.mark.parametrize(
    "module, flags, message",
    [
        (momentum, ("--lr", "2.5"), "--lr"),
        (momentum, ("--condition", "0.5"), "--condition"),
        (softmax, ("--classes", "1"), "--classes"),
    ],
)
def test_bad_flags_are_refused_in_one_line(lab_run, module, flags, message):
    with pytest.raises(SystemExit, match=message):
        lab_run(module, *flags)
