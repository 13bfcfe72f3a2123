"""examples/mnist.py end to end on a small generated MNIST-like npz: training writes its figures and
checkpoint, the loss falls, --resume continues bit for bit, Ctrl-C keeps the last epoch, --predict works."""

import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")
pytest.importorskip("PIL")
pytest.importorskip("scipy")

import autograd_lite as al  # noqa: E402
from examples import mnist  # noqa: E402


@pytest.fixture(scope="module")
def npz(mnist_like_npz):
    return mnist_like_npz(1200, 200)


def _run(args, capsys):
    code = mnist.main(args)
    out = capsys.readouterr().out
    return code, out


def test_a_short_run_trains_writes_figures_and_a_checkpoint(npz, tmp_path, capsys):
    code, out = _run(["--data", npz, "--epochs", "2", "--out", str(tmp_path), "--lr", "0.02"], capsys)
    assert code == 0
    last = out.strip().splitlines()[-1]
    assert re.fullmatch(r"test accuracy: \d+\.\d\d% \(\d+/200\), \d+\.\d s", last), last
    for name in ("cnn_curves.png", "cnn_digits.png", "cnn_confusion.png", "cnn.ckpt"):
        assert (tmp_path / name).stat().st_size > 1000
    history = al.load(str(tmp_path / "cnn.ckpt"))["history"]
    assert history["train_loss"][1] < history["train_loss"][0]
    assert float(last.split()[2].rstrip("%")) > 50


@pytest.mark.parametrize("model", ["mlp", "resnet"])
def test_the_other_models_run(model, npz, tmp_path, capsys):
    code, out = _run(
        ["--data", npz, "--model", model, "--epochs", "1", "--limit", "128", "--out", str(tmp_path), "--no-plots"],
        capsys,
    )
    assert code == 0 and out.strip().splitlines()[-1].startswith("test accuracy: ")


def _weights(path):
    return {k: v.numpy() for k, v in al.load(path)["model"].items()}


def test_resume_continues_on_exactly_the_same_trajectory(npz, tmp_path, capsys):
    common = ["--data", npz, "--epochs", "3", "--limit", "256", "--no-plots", "--augment", "affine"]
    _run(common + ["--out", str(tmp_path / "straight")], capsys)
    _run(common + ["--out", str(tmp_path / "resumed"), "--stop-after", "1"], capsys)
    code, out = _run(common + ["--out", str(tmp_path / "resumed"), "--resume"], capsys)
    assert code == 0
    a, b = _weights(str(tmp_path / "straight" / "cnn.ckpt")), _weights(str(tmp_path / "resumed" / "cnn.ckpt"))
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_resume_with_other_settings_is_refused(npz, tmp_path, capsys):
    _run(
        ["--data", npz, "--epochs", "2", "--limit", "64", "--out", str(tmp_path), "--stop-after", "1", "--no-plots"],
        capsys,
    )
    with pytest.raises(SystemExit, match="trained with other settings.*lr=0.05"):
        mnist.main(["--data", npz, "--epochs", "2", "--limit", "64", "--out", str(tmp_path), "--resume", "--lr", "0.1"])


def test_ctrl_c_keeps_the_last_finished_epoch(npz, tmp_path, capsys, interrupt_second_epoch):
    interrupt_second_epoch(mnist)
    code = mnist.main(["--data", npz, "--epochs", "3", "--limit", "64", "--out", str(tmp_path), "--no-plots"])
    assert code == 130 and "holds the last finished epoch" in capsys.readouterr().err
    assert al.load(str(tmp_path / "cnn.ckpt"))["epoch"] == 1


def test_predict_prints_the_top_3_for_a_drawn_digit(npz, tmp_path, capsys):
    Image = pytest.importorskip("PIL.Image")
    _run(["--data", npz, "--epochs", "2", "--out", str(tmp_path), "--no-plots", "--lr", "0.02"], capsys)
    canvas = np.full((90, 70), 250, np.uint8)  # dark ink on white paper, larger than 28x28, off centre
    canvas[30:52, 8:30] = 10  # the square of label 0 (rows 4-9, cols 3-8 of 28x28)
    Image.fromarray(canvas).save(tmp_path / "digit.png")
    code, out = _run(["--predict", str(tmp_path / "digit.png"), "--out", str(tmp_path)], capsys)
    lines = out.strip().splitlines()
    assert len(lines) == 4 and re.fullmatch(r"prediction: \d \(\d+\.\d%\)", lines[-1])


def test_bad_files_give_one_clear_line(npz, tmp_path):
    with pytest.raises(SystemExit, match="cannot read MNIST from .*nothing.npz"):
        mnist.main(["--data", str(tmp_path / "nothing.npz"), "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="no checkpoint at"):
        mnist.main(["--predict", npz, "--out", str(tmp_path / "none")])
    (tmp_path / "cnn.ckpt").write_bytes(b"not a checkpoint")
    (tmp_path / "x.png").write_bytes(b"")
    with pytest.raises(SystemExit, match="cannot read the checkpoint"):
        mnist.main(["--predict", str(tmp_path / "x.png"), "--out", str(tmp_path)])
