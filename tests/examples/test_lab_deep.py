"""The learning lab's experiments on deeper networks: initialisation, convolution, vanishing gradients."""

import os
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from examples.lab import convolution, initialization, vanishing  # noqa: E402

NUMBER = r"[0-9.]+(?:e[-+][0-9]+)?"
MNIST = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "mnist.npz")


def assert_figures(result, count):
    assert len(result["figures"]) == count
    for path in result["figures"]:
        assert os.path.getsize(path) > 5000, path


def test_initialization_scaled_weights_do_not_saturate(lab_run, mnist_like_npz):
    result, lines = lab_run(initialization, "--quick", "--data", mnist_like_npz(600, 100))
    assert re.fullmatch(
        rf"lab init: \|z\| > 4 for {NUMBER}% of first-layer inputs with N\(0, 1\) vs {NUMBER}% with N\(0, 1/n_in\); "
        rf"validation after epoch 1 {NUMBER}% vs {NUMBER}%, best {NUMBER}% vs {NUMBER}%, {NUMBER} s",
        lines[-1],
    )
    assert lines[-1] == result["line"]
    assert_figures(result, 1)
    large, scaled = result["saturation"]["large"], result["saturation"]["scaled"]
    # N(0, 1) weights on ~35 bright pixels: z spreads over ~6 units, half the neurons saturate; N(0, 1/n_in) not
    assert large["saturated"] > 0.3 and scaled["saturated"] < 0.01
    assert large["std"] > 4 * scaled["std"]
    assert scaled["slope"] > 2 * large["slope"]
    # both train (on this easy synthetic data the saturated N(0, 1) network is not slower: see the MNIST test)
    assert min(result["best"].values()) > 30
    steps, accuracies = result["curves"]["scaled"]
    assert steps[0] == 0 and steps[-1] == 2 and len(steps) == 1 + 2 * initialization.EVALS_PER_EPOCH


@pytest.mark.skipif(not os.path.exists(MNIST), reason=f"needs the real MNIST at {MNIST}")
def test_initialization_scaled_weights_learn_faster_on_mnist(lab_run):
    result, _ = lab_run(initialization, "--quick", "--no-plots", "--data", MNIST)
    assert result["dataset"] == "MNIST"
    assert result["after_one"]["scaled"] > result["after_one"]["large"] + 10  # seed 0: 26.0% vs 11.6%


def test_initialization_refuses_bad_settings(lab_run, mnist_like_npz):
    with pytest.raises(SystemExit, match="--train-size must be at least 1"):
        lab_run(initialization, "--quick", "--train-size", "0", "--data", mnist_like_npz(600, 100))
    with pytest.raises(SystemExit, match="--eta > 0"):
        lab_run(initialization, "--quick", "--eta", "-1", "--data", mnist_like_npz(600, 100))


def test_convolution_is_cross_correlation(lab_run):
    result, lines = lab_run(convolution, "--quick")
    assert re.fullmatch(
        rf"lab convolution: F\.conv2d = scipy\.ndimage\.correlate to {NUMBER} on 4 kernels \(camera 128x128\), "
        rf"= convolve with the flipped kernel to {NUMBER}, Sobel unflipped differs by {NUMBER}, {NUMBER} s",
        lines[-1],
    )
    assert_figures(result, 1)
    assert set(result["correlate"]) == set(convolution.KERNELS)
    assert max(result["correlate"].values()) < 1e-13
    assert max(result["flipped"].values()) < 1e-13
    # the asymmetric Sobel kernel: a true convolution with it is the negated cross-correlation
    assert result["unflipped"] > 1.0
    assert result["negated"] < 1e-13
    assert result["gradient"] < 1e-12
    image, outputs = result["image"], result["outputs"]
    assert image.dtype == np.float64 and 0.0 <= image.min() and image.max() <= 1.0
    # blurring smooths: the 9x9 box has less pixel-to-pixel variation than the 3x3, which has less than the image
    roughness = [np.abs(np.diff(a, axis=1)).mean() for a in (image, outputs["box 3x3"], outputs["box 9x9"])]
    assert roughness[0] > roughness[1] > roughness[2]


def test_vanishing_gradients_in_chains_and_sigmoid_mlp(lab_run, mnist_like_npz):
    result, lines = lab_run(vanishing, "--quick", "--data", mnist_like_npz(600, 100))
    assert re.fullmatch(
        rf"lab vanishing: chain of 20 \|dC/db_1\| / \|dC/db_20\| {NUMBER} at initialisation; MLP first / last "
        rf"layer gradient norm sigmoid {NUMBER}, ReLU {NUMBER}; {NUMBER} s",
        lines[-1],
    )
    assert_figures(result, 2)
    chains = result["chains"]
    assert sorted(chains) == [5, 10, 20]
    for depth, chain in chains.items():
        assert chain["formula_error"] < 1e-9  # backward() = the book's product of w sigma'(z) factors
        initial = chain["medians"][0]
        assert len(initial) == depth and np.all(np.diff(np.log(initial)) > 0)  # every layer slower than the next
        assert chain["ratio"] < 0.25 ** (depth - 1)  # at least the book's bound of 1/4 per layer
        assert chain["beat_mean"] == 0.0  # no chain learns more than the mean of y
    sigmoid, relu = result["mlps"]["sigmoid"], result["mlps"]["ReLU"]
    assert np.all(np.diff(sigmoid["speeds"]) > 0)  # the book's speeds: each hidden layer slower than the next
    assert sigmoid["speeds"][-1] > 30 * sigmoid["speeds"][0]
    assert sigmoid["ratio"] < 0.1 < relu["ratio"]
    assert sigmoid["norms"].shape == (2 * 30, 5)  # 2 epochs of 300 images in mini-batches of 10, 5 Linear layers


def test_vanishing_refuses_bad_depths(lab_run):
    with pytest.raises(SystemExit):
        lab_run(vanishing, "--quick", "--depths", "5,1")
    with pytest.raises(SystemExit, match="--chains >= 1"):
        lab_run(vanishing, "--quick", "--chains", "0")
