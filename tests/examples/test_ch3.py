"""examples/ch3.py (the book's chapter-3 experiments) in its --quick mode on a small generated MNIST-like npz:
each experiment trains, monitors, writes its figure and ends with its result line; the engine's step and cost
are the book's (checked against the hand-written reference network); the expanded data are exact shifts;
a run resumes on the same trajectory; bad flags are refused."""

import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

import autograd_lite as al  # noqa: E402
from autograd_lite.reference import CrossEntropyCost, Network  # noqa: E402
from examples import ch3  # noqa: E402

OVERFITTING_LINE = re.compile(
    r"ch3 (overfitting|regularization): peak test accuracy \d+\.\d\d% at epoch \d+ \(book \d+\.\d+%\), "
    r"final training accuracy \d+\.\d\d%, \d+\.\d s"
)
MORE_DATA_LINE = re.compile(r"ch3 more-data: test accuracy at \d+ images \d+\.\d\d%, expanded \d+\.\d\d%, \d+\.\d s")


@pytest.fixture(scope="module")
def npz(mnist_like_npz):
    return mnist_like_npz(600, 100)


def _run(argv, capsys):
    result = ch3.run(ch3.parse_args(argv))
    return result, capsys.readouterr().out.strip().splitlines()


@pytest.mark.parametrize("experiment", ["overfitting", "regularization"])
def test_quick_overfitting_runs_monitor_four_quantities_and_end_with_the_result_line(experiment, npz, tmp_path, capsys):
    result, lines = _run([experiment, "--quick", "--data", npz, "--out", str(tmp_path), "--print-every", "2"], capsys)
    assert OVERFITTING_LINE.fullmatch(lines[-1]) and lines[-1].startswith(f"ch3 {experiment}:")
    history, config = result["history"], result["config"]
    assert config["train_size"] == ch3.QUICK["train_size"] and config["epochs"] == ch3.QUICK["epochs"]
    assert config["lmbda"] == {"overfitting": 0.0, "regularization": 0.1}[experiment]
    assert all(len(history[k]) == ch3.QUICK["epochs"] for k in ch3.HISTORY_KEYS)
    assert history["training_cost"][-1] < history["training_cost"][0]
    assert history["training_accuracy"][-1] > 50  # the squares of the fixture are learnt within 4 epochs
    assert result["peak"] == max(history["test_accuracy"])
    assert f"{result['peak']:.2f}%" in lines[-1]
    assert sum(line.startswith("epoch ") for line in lines) == 2
    assert (tmp_path / f"ch3_{experiment}.png").stat().st_size > 5000
    assert (tmp_path / f"{experiment}.ckpt").exists()


def test_quick_more_data_trains_every_size_for_the_same_number_of_steps(npz, tmp_path, capsys):
    result, lines = _run(["more-data", "--quick", "--data", npz, "--out", str(tmp_path)], capsys)
    assert MORE_DATA_LINE.fullmatch(lines[-1])
    sizes = result["config"]["sizes"]
    assert sizes == list(ch3.QUICK["sizes"])
    for variant, factor in (("plain", 1), ("expanded", 7)):
        runs = result["results"][variant]
        assert [r["images"] for r in runs] == [factor * s for s in sizes]
        for r in runs:  # samples / batch size steps, whatever the size
            assert r["epochs"] * -(-r["images"] // ch3.BATCH_SIZE) == pytest.approx(ch3.QUICK["samples"] // 10)
            assert 0 <= r["validation"] <= 100 and 0 <= r["test"] <= 100
    assert result["largest"] == (result["results"]["plain"][-1]["test"], result["results"]["expanded"][-1]["test"])
    assert (tmp_path / "ch3_more_data.png").stat().st_size > 5000


def _book_network(model):
    """The reference network holding ``model``'s weights, with the book's sigmoid output and cost."""
    net = Network([784, 30, 10], cost=CrossEntropyCost, dtype=np.float64)
    linears = [m for m in model if hasattr(m, "weight")]
    net.weights = [m.weight.detach().numpy().astype(np.float64).copy() for m in linears]
    net.biases = [m.bias.detach().numpy().astype(np.float64)[:, None].copy() for m in linears]
    return net


@pytest.mark.parametrize("lmbda", [0.0, 0.1, 5.0])
def test_the_engine_step_is_the_book_update_with_l2_on_the_weights(lmbda):
    """One engine mini-batch step (BCE with logits, SGD with weight decay lambda/n on the weights) equals
    the reference's update_mini_batch (the book's eq. 93) to round-off."""
    model = ch3.build(784, seed=3).to(al.float64)
    net = _book_network(model)
    rng = np.random.default_rng(0)
    x, labels = rng.random((ch3.BATCH_SIZE, 784)), rng.integers(0, 10, ch3.BATCH_SIZE)
    y = np.eye(10)[labels]
    optimizer = ch3.book_sgd(model, lmbda, n=1000)
    ch3.train_epoch(model, optimizer, x, y)  # one epoch of one mini-batch: the order does not matter
    net.update_mini_batch(x.T, y.T, ch3.ETA, lmbda, 1000)
    after = _book_network(model)
    for ours, book in zip(after.weights + after.biases, net.weights + net.biases):
        np.testing.assert_allclose(ours, book, rtol=0, atol=1e-12)


@pytest.mark.parametrize("lmbda", [0.0, 0.1])
def test_total_cost_is_the_books(lmbda):
    model = ch3.build(784, seed=1).to(al.float64)
    net = _book_network(model)
    rng = np.random.default_rng(1)
    x, labels = rng.random((50, 784)) * 0.05, rng.integers(0, 10, 50)
    assert ch3.total_cost(model, x, labels, lmbda) == pytest.approx(net.total_cost(x.T, labels, lmbda), rel=1e-10)


def test_total_cost_stays_finite_where_the_sigmoid_saturates():
    """Output logits of 800 make a float64 sigmoid exactly 1: each of the nine wrong outputs then costs 800
    (the book's nan_to_num would give 1.8e308), not inf or nan."""
    model = ch3.build(784, seed=0)
    with al.no_grad():
        model[2].weight.zero_()
        model[2].bias.fill_(800.0)
    x = np.zeros((2, 784), dtype=np.float32)
    assert ch3.total_cost(model, x, np.array([0, 1]), 0.0) == pytest.approx(9 * 800.0, rel=1e-12)


def test_expand_adds_four_exact_one_pixel_shifts_and_two_rotations():
    rng = np.random.default_rng(0)
    images = rng.random((3, 6, 5)).astype(np.float32)
    labels = np.array([4, 7, 1])
    rows, expanded_labels = ch3.expand(images.reshape(3, -1), labels, (6, 5))
    assert rows.shape == (21, 30) and rows.dtype == np.float32
    np.testing.assert_array_equal(expanded_labels, np.tile(labels, 7))
    variants = rows.reshape(7, 3, 6, 5)
    np.testing.assert_array_equal(variants[0], images)
    np.testing.assert_array_equal(variants[1][:, :-1], images[:, 1:])  # up: row r holds row r + 1
    np.testing.assert_array_equal(variants[1][:, -1], 0)
    np.testing.assert_array_equal(variants[2][:, 1:], images[:, :-1])  # down
    np.testing.assert_array_equal(variants[2][:, 0], 0)
    np.testing.assert_array_equal(variants[3][:, :, :-1], images[:, :, 1:])  # left
    np.testing.assert_array_equal(variants[4][:, :, 1:], images[:, :, :-1])  # right
    for rotated in variants[5:]:
        assert not np.allclose(rotated, images) and np.isfinite(rotated).all()


def test_an_interrupted_run_resumes_on_the_same_trajectory(npz, tmp_path, capsys, monkeypatch):
    argv = ["overfitting", "--quick", "--data", npz, "--no-plots", "--checkpoint-every", "2"]
    whole, _ = _run(argv + ["--out", str(tmp_path / "whole")], capsys)

    calls, real = [], ch3.train_epoch

    def interrupted_in_the_third_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(ch3, "train_epoch", interrupted_in_the_third_epoch)
    with pytest.raises(KeyboardInterrupt):
        _run(argv + ["--out", str(tmp_path / "split")], capsys)
    monkeypatch.setattr(ch3, "train_epoch", real)
    resumed, _ = _run(argv + ["--out", str(tmp_path / "split"), "--resume"], capsys)
    assert resumed["history"] == whole["history"]


def test_resume_refuses_a_checkpoint_made_with_other_settings(npz, tmp_path, capsys):
    _run(["overfitting", "--quick", "--data", npz, "--no-plots", "--out", str(tmp_path)], capsys)
    with pytest.raises(SystemExit, match="other settings"):
        _run(
            ["overfitting", "--quick", "--data", npz, "--no-plots", "--out", str(tmp_path), "--resume", "--lmbda", "1"],
            capsys,
        )


@pytest.mark.parametrize(
    "argv",
    [
        ["overfitting", "--epochs", "0"],
        ["more-data", "--sizes", "10,x"],
        ["more-data", "--sizes", "0,10"],
        ["regularization", "--lmbda", "-1"],
        ["underfitting"],
    ],
)
def test_bad_flags_are_refused_by_argparse(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        ch3.parse_args(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_a_missing_data_file_is_one_clear_line(tmp_path, capsys):
    with pytest.raises(SystemExit, match="cannot read MNIST from"):
        ch3.main(["overfitting", "--quick", "--data", str(tmp_path / "nope.npz")])


def test_main_returns_130_and_keeps_the_checkpoint_when_interrupted(npz, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(ch3, "monitor", lambda *args: (_ for _ in ()).throw(KeyboardInterrupt))
    assert ch3.main(["overfitting", "--quick", "--data", npz, "--no-plots", "--out", str(tmp_path)]) == 130
    assert "--resume continues" in capsys.readouterr().err


def test_more_data_resumes_without_training_the_sizes_it_finished(npz, tmp_path, capsys, monkeypatch):
    argv = ["more-data", "--quick", "--data", npz, "--no-plots", "--out", str(tmp_path)]
    first, _ = _run(argv, capsys)

    def must_not_train(*args):
        raise AssertionError("a finished size was trained again")

    monkeypatch.setattr(ch3, "train_size_run", must_not_train)
    again, lines = _run(argv + ["--resume"], capsys)
    assert again["results"] == first["results"] and MORE_DATA_LINE.fullmatch(lines[-1])
    with pytest.raises(SystemExit, match="other settings"):
        _run(argv + ["--resume", "--samples", "100"], capsys)
