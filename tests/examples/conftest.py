"""What the example tests share: quiet progress bars, a small learnable MNIST-like npz, and a Ctrl-C in the
middle of training."""

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setenv("AL_PROGRESS", "0")


def _digits(n, rng):
    """28x28 uint8 images whose label says where a bright 6x6 square sits (learnable in one epoch)."""
    labels = rng.integers(0, 10, n)
    images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
    for i, k in enumerate(labels):
        r, c = 4 + 6 * (k // 4), 3 + 6 * (k % 4)
        images[i, r : r + 6, c : c + 6] = 230
    return images, labels.astype(np.uint8)


@pytest.fixture(scope="session")
def mnist_like_npz(tmp_path_factory):
    """``make(n_train, n_test)``: the path of a Keras-layout mnist.npz of such images (made once per size)."""
    made = {}

    def make(n_train, n_test):
        if (n_train, n_test) not in made:
            rng = np.random.default_rng(0)
            (x_train, y_train), (x_test, y_test) = _digits(n_train, rng), _digits(n_test, rng)
            path = tmp_path_factory.mktemp("mnist") / "mnist.npz"
            np.savez_compressed(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
            made[n_train, n_test] = str(path)
        return made[n_train, n_test]

    return make


@pytest.fixture
def interrupt_second_epoch(monkeypatch):
    """``interrupt(module)``: its ``train_epoch`` raises KeyboardInterrupt on the second call, as Ctrl-C would."""

    def interrupt(module):
        calls, real = [], module.train_epoch

        def interrupted_in_the_second_epoch(*args):
            calls.append(1)
            if len(calls) == 2:
                raise KeyboardInterrupt
            return real(*args)

        monkeypatch.setattr(module, "train_epoch", interrupted_in_the_second_epoch)

    return interrupt


@pytest.fixture
def lab_run(tmp_path, capsys):
    """``lab_run(module, *flags)``: run one learning-lab experiment module as ``python -m examples.lab`` would
    (its subcommand parsed with the common flags, ``--out`` a temporary directory); returns (result, printed
    lines)."""
    from examples.lab.__main__ import build_parser

    def run(module, *flags):
        args = build_parser({module.NAME: module}).parse_args([module.NAME, "--out", str(tmp_path), *flags])
        result = module.run(args)
        return result, capsys.readouterr().out.strip().splitlines()

    return run
