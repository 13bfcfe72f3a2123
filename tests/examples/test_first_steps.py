"""The three first-steps examples (linear and logistic regression, perceptrons) on their --quick settings:
each ends with its fixed result line, writes its figures and gets the numbers right (gradient descent on
the L2 loss reaches the closed form, the hand-set perceptrons are AND/OR/NAND, the learned gates get 4/4,
XOR needs the hidden layer); bad flags are argparse errors; the files run as scripts and as modules."""

import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

from examples import linear_regression, logistic_regression, perceptrons  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
NUMBER = r"-?\d+\.\d{3}"
LINEAR_LINE = re.compile(
    rf"linear regression: closed form w ({NUMBER}) b ({NUMBER}), L2 gradient descent w ({NUMBER}) b ({NUMBER}), "
    rf"L1 w ({NUMBER}) b ({NUMBER}), \d+\.\d s"
)
LOGISTIC_LINE = re.compile(r"logistic regression: train accuracy (\d+\.\d)%, test accuracy (\d+\.\d)%, \d+\.\d s")
PERCEPTRONS_LINE = re.compile(
    r"perceptrons: AND (\d)/4, OR (\d)/4, NAND (\d)/4 \(hand-set and learned\), XOR one neuron (\d)/4 at best, "
    r"hidden layer (\d)/4, \d+\.\d s"
)


def _run(module, argv, capsys):
    """``module.run`` on ``argv``: (result, printed lines)."""
    result = module.run(module.parse_args(argv))
    return result, capsys.readouterr().out.strip().splitlines()


def _figures_written(paths):
    assert paths and all(pathlib.Path(p).stat().st_size > 1000 for p in paths)


def test_linear_regression_gradient_descent_reaches_the_closed_form(tmp_path, capsys):
    result, lines = _run(linear_regression, ["--quick", "--out", str(tmp_path)], capsys)
    match = LINEAR_LINE.fullmatch(lines[-1])
    assert match, lines[-1]
    cf_w, cf_b, l2_w, l2_b, l1_w, l1_b = map(float, match.groups())
    _figures_written(result["figures"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "linear_regression_convergence.png",
        "linear_regression_fits.png",
    ]

    x, y = linear_regression.make_data(40, 8, 0.5, 0)
    assert result["closed_form"] == pytest.approx(tuple(np.polyfit(x.astype(np.float64), y, 1)), abs=1e-9)
    assert (cf_w, cf_b) == pytest.approx(result["closed_form"], abs=5e-4)
    runs = result["runs"]
    assert len(runs) == 6 and {r["batch_size"] for r in runs.values()} == {40, 10, 1}
    l2 = runs["L2", "batch"]
    assert (l2["w"], l2["b"]) == pytest.approx(result["closed_form"], abs=1e-3)
    assert (l2_w, l2_b) == pytest.approx((l2["w"], l2["b"]), abs=5e-4)
    assert l2["losses"][-1] == pytest.approx(l2["losses"].min(), rel=1e-6)
    assert l2["losses"][-1] < l2["losses"][0]
    # every L2 run ends near the closed form's loss; the noisy ones a little above it
    best = linear_regression.full_loss(linear_regression.l2_loss, *result["closed_form"], x, y)
    for variant in linear_regression.VARIANTS:
        assert best - 1e-5 <= runs["L2", variant]["losses"][-1] < 1.05 * best
    # the L1 fit is pulled less by the outliers (which sit low at the right end): steeper, nearer y = 2x + 1
    l1 = runs["L1", "batch"]
    assert (l1_w, l1_b) == pytest.approx((l1["w"], l1["b"]), abs=5e-4)
    assert abs(l1["w"] - 2) < 0.25 < abs(l2["w"] - 2)
    line_l1 = linear_regression.full_loss(linear_regression.l1_loss, *result["closed_form"], x, y)
    assert all(runs["L1", v]["losses"][-1] < line_l1 for v in linear_regression.VARIANTS)
    if result["l1_minimum"] is not None:
        assert (l1["w"], l1["b"]) == pytest.approx(result["l1_minimum"], abs=0.05)


def test_linear_regression_losses_work_on_tensors_and_arrays():
    import autograd_lite as al

    residual = np.array([1.0, -3.0, 2.0])
    assert linear_regression.l2_loss(residual) == pytest.approx(14 / 3)
    assert linear_regression.l1_loss(residual) == pytest.approx(2.0)
    assert linear_regression.l1_loss(al.tensor(residual)).item() == pytest.approx(2.0)


def test_logistic_regression_separates_the_clouds(tmp_path, capsys):
    result, lines = _run(logistic_regression, ["--quick", "--out", str(tmp_path)], capsys)
    match = LOGISTIC_LINE.fullmatch(lines[-1])
    assert match, lines[-1]
    train, test = map(float, match.groups())
    assert train == pytest.approx(100 * result["train_accuracy"], abs=0.05)
    assert test == pytest.approx(100 * result["test_accuracy"], abs=0.05)
    assert result["train_accuracy"] > 0.85 and result["test_accuracy"] > 0.85
    assert result["history"]["loss"][-1] < 0.5 * np.log(2)  # well below the loss of a coin toss
    assert all(w > 0.5 for w in result["weight"])  # class 1 lies up and to the right of class 0
    _figures_written([result["figure"]])
    assert any(line.startswith("learned: w = (") for line in lines)


def test_perceptrons_gates_and_xor(tmp_path, capsys):
    result, lines = _run(perceptrons, ["--quick", "--out", str(tmp_path)], capsys)
    match = PERCEPTRONS_LINE.fullmatch(lines[-1])
    assert match, lines[-1]
    assert match.groups() == ("4", "4", "4", "3", "4")
    assert result["hand_set"] == {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0]}
    assert result["learned_right"] == {"AND": 4, "OR": 4, "NAND": 4}
    for gate, outputs in result["learned_outputs"].items():
        assert [int(o > 0.5) for o in outputs] == perceptrons.TRUTH[gate].tolist()
    assert result["best_one_neuron"] == 3 and result["trained_one_neuron"] <= 3
    assert result["hidden_layer"] == 4
    _figures_written([result["figure"]])
    printed = "\n".join(lines)
    assert "not linearly separable" in printed
    assert "   1  1 |    1    1    0" in printed  # the last row of the hand-set truth table: AND, OR, NAND


def test_the_books_nand_and_the_search_for_one_neuron():
    assert perceptrons.perceptron(perceptrons.INPUTS, (-2, -2), 3).tolist() == [1, 1, 1, 0]
    for gate in ("AND", "OR", "NAND"):  # separable: some neuron on the grid gets them all
        assert perceptrons.best_single_neuron(gate)[0] == 4
    count, (w, b), _ = perceptrons.best_single_neuron("XOR")
    assert count == 3 and perceptrons.right(perceptrons.perceptron(perceptrons.INPUTS, w, b), "XOR") == 3


@pytest.mark.parametrize(
    "module, argv, message",
    [
        (linear_regression, ["--epochs", "0"], "--epochs must be at least 1"),
        (linear_regression, ["--lr", "-0.1"], "--lr must be positive"),
        (linear_regression, ["--batch-size", "0"], "--batch-size must be between 1 and --samples"),
        (linear_regression, ["--samples", "10", "--outliers", "9"], "--outliers"),
        (logistic_regression, ["--epochs", "0"], "--epochs must be at least 1"),
        (logistic_regression, ["--samples", "4"], "--samples must be at least 8"),
        (logistic_regression, ["--spread", "0"], "--spread must be positive"),
        (perceptrons, ["--steps", "0"], "--steps must be at least 1"),
        (perceptrons, ["--hidden", "0"], "--hidden must be at least 1"),
        (perceptrons, ["--lr", "0"], "--lr must be positive"),
    ],
)
def test_bad_flags_are_argparse_errors(module, argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        module.parse_args(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_main_returns_zero_and_no_plots_writes_nothing(tmp_path, capsys):
    assert logistic_regression.main(["--quick", "--no-plots", "--out", str(tmp_path / "none")]) == 0
    assert not (tmp_path / "none").exists()
    assert LOGISTIC_LINE.fullmatch(capsys.readouterr().out.strip().splitlines()[-1])


def test_they_run_as_scripts_and_as_modules(tmp_path):
    env = {**os.environ, "AL_PROGRESS": "0"}
    for name in ("linear_regression", "logistic_regression", "perceptrons"):
        shown = subprocess.run(
            [sys.executable, f"examples/{name}.py", "--help"], cwd=ROOT, capture_output=True, text=True, env=env
        )
        assert shown.returncode == 0 and "--quick" in shown.stdout and "--seed" in shown.stdout
    ran = subprocess.run(
        [sys.executable, "-m", "examples.perceptrons", "--quick", "--no-plots"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert ran.returncode == 0, ran.stderr
    assert PERCEPTRONS_LINE.fullmatch(ran.stdout.strip().splitlines()[-1])
