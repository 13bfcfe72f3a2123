"""examples/nielsen.py on a small generated MNIST-like npz: both of the book's runs train through the numpy
reference and the engine with the same numbers each epoch, write the figure and end with the result line;
the reference's epoch loop is net.SGD's; bad data and the digits fallback are handled."""

import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

from autograd_lite.reference import Network  # noqa: E402
from examples import nielsen  # noqa: E402

EPOCH_LINE = re.compile(
    r"epoch +(\d+): reference (\d+\.\d\d)%  engine (\d+\.\d\d)%  \|  \d+\.\d s / \d+\.\d s"
    r"  \|  max \|dw\| \S+"
)


@pytest.fixture(scope="module")
def npz(mnist_like_npz):
    return mnist_like_npz(600, 100)


def _run(argv, capsys):
    """nielsen.run on ``argv``: (result, printed lines)."""
    result = nielsen.run(nielsen.parse_args(argv))
    return result, capsys.readouterr().out.strip().splitlines()


@pytest.mark.parametrize("run", ["ch1", "ch3"])
def test_both_paths_agree_epoch_by_epoch_and_the_figure_is_written(run, npz, tmp_path, capsys):
    result, lines = _run(
        ["--run", run, "--data", npz, "--limit", "500", "--epochs", "2", "--out", str(tmp_path)], capsys
    )
    assert re.fullmatch(rf"nielsen {run}: reference \d+\.\d\d%, engine \d+\.\d\d%, \d+\.\d s", lines[-1])
    epochs = [EPOCH_LINE.fullmatch(line) for line in lines if line.startswith("epoch ")]
    assert len(epochs) == 2 and all(epochs)
    assert all(m.group(2) == m.group(3) for m in epochs)
    history = result["history"]
    assert history["reference"] == history["engine"] and len(history["reference"]) == 2
    assert result["test"]["reference"] == result["test"]["engine"]
    assert nielsen.max_difference(result["reference"], result["engine"]) < 1e-8
    assert "validation set" in "\n".join(lines) and "data: MNIST, 500 training, 100 validation" in "\n".join(lines)
    assert (tmp_path / f"nielsen_{run}.png").stat().st_size > 1000
    best = float(lines[-1].split()[3].rstrip("%,"))
    assert best == pytest.approx(max(history["reference"]), abs=0.005) and best > 20


def test_the_reference_epoch_loop_is_net_sgd(npz, tmp_path, capsys):
    result, _ = _run(
        [
            "--run",
            "ch3",
            "--data",
            npz,
            "--limit",
            "200",
            "--epochs",
            "2",
            "--path",
            "reference",
            "--no-plots",
            "--seed",
            "3",
        ],
        capsys,
    )
    data, config = result["data"], result["config"]
    net = Network(config["sizes"], cost=nielsen.COSTS[config["cost"]], init=config["init"], seed=3)
    net.SGD((data["x"].T, data["y"].T), 2, config["batch_size"], config["eta"], lmbda=config["lmbda"], seed=3)
    for mine, book in zip(result["reference"].weights + result["reference"].biases, net.weights + net.biases):
        np.testing.assert_allclose(mine, book, rtol=0, atol=1e-12)


def test_one_path_alone_and_overridden_settings(npz, tmp_path, capsys):
    result, lines = _run(
        [
            "--run",
            "ch1",
            "--data",
            npz,
            "--limit",
            "100",
            "--epochs",
            "1",
            "--path",
            "engine",
            "--eta",
            "1.0",
            "--batch-size",
            "7",
            "--no-plots",
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    assert re.fullmatch(r"nielsen ch1: engine \d+\.\d\d%, \d+\.\d s", lines[-1])
    assert re.fullmatch(r"epoch  1: engine \d+\.\d\d%  \|  \d+\.\d s", lines[-4])
    assert "eta = 1.0" in lines[0] and "mini-batch 7" in lines[0]
    assert result["reference"] is None and not (tmp_path / "nielsen_ch1.png").exists()


def test_a_missing_or_damaged_data_file_is_one_clear_error(tmp_path):
    with pytest.raises(SystemExit, match=r"^error: cannot read MNIST from .*nope\.npz"):
        nielsen.main(["--data", str(tmp_path / "nope.npz")])
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not an npz at all")
    with pytest.raises(SystemExit, match=r"^error: cannot read MNIST from .*bad\.npz"):
        nielsen.main(["--data", str(bad)])


def test_without_mnist_it_says_so_and_uses_the_8x8_digits(tmp_path, monkeypatch, capsys):
    pytest.importorskip("sklearn")
    monkeypatch.setenv("AUTOGRAD_LITE_DATA", str(tmp_path / "empty"))
    result, lines = _run(["--run", "ch3", "--limit", "200", "--epochs", "1", "--no-plots"], capsys)
    assert lines[0].startswith("no MNIST given") and "8x8 digits" in lines[0]
    assert result["config"]["sizes"] == [64, 100, 10] and "data: digits, 200 training, 40 validation" in lines[2]
