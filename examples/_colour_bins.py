"""Colorization as classification (Zhang, Isola & Efros, "Colorful Image Colorization", 2016): the ab plane cut
into square bins, of which only those some sRGB colour reaches are kept; class weights that rebalance towards
rare (saturated) colours; and the annealed-mean decoding that turns a distribution over bins into one colour,
between the mean (greyish, hedging between colours) and the mode (vivid, but patchy)."""

import functools

import numpy as np

BIN_SIDE = 10.0  # Lab units per side of an ab bin, as in the paper
TEMPERATURE = 0.38  # the paper's annealed-mean temperature
REBALANCE_MIX = 0.5  # lambda: weights are 1 / ((1 - lambda) * smoothed prior + lambda / Q)
PRIOR_SIGMA = 5.0  # Lab units: the Gaussian that smooths the empirical colour prior


@functools.lru_cache(maxsize=None)
def gamut_bins(side=BIN_SIDE, levels=64):
    """Centres (Q, 2) float32, in Lab units, of the side x side ab bins that the sRGB colours of a
    levels**3 grid fall in (265 bins for side 10)."""
    from skimage.color import rgb2lab

    axis = np.linspace(0.0, 1.0, levels)
    rgb = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1).reshape(1, -1, 3)
    cells = np.unique(np.floor(rgb2lab(rgb)[0, :, 1:] / side).astype(np.int64), axis=0)
    return ((cells + 0.5) * side).astype(np.float32)


@functools.lru_cache(maxsize=None)
def _cell_lookup(side=BIN_SIDE):
    """(first cell index, table): table[i, j] is the bin nearest the centre of grid cell (first + i, first + j),
    for every cell of the ab square [-130, 130)^2, so out-of-gamut colours go to their nearest bin."""
    centres = gamut_bins(side)
    first = int(np.floor(-130.0 / side))
    cells = np.arange(first, -first)
    grid = (np.stack(np.meshgrid(cells, cells, indexing="ij"), axis=-1) + 0.5) * side
    distances = ((grid[:, :, None, :] - centres[None, None]) ** 2).sum(axis=-1)
    return first, distances.argmin(axis=-1)


def nearest_bin(ab, side=BIN_SIDE):
    """The index of the bin of each ab pair: ``ab`` (..., 2, H, W) in Lab units -> int64 (..., H, W)."""
    first, table = _cell_lookup(side)
    cell = np.clip(np.floor(np.asarray(ab) / side).astype(np.int64) - first, 0, len(table) - 1)
    return table[cell[..., 0, :, :], cell[..., 1, :, :]]


def rebalancing_weights(counts, side=BIN_SIDE, mix=REBALANCE_MIX, sigma=PRIOR_SIGMA):
    """Per-bin loss weights from the bins' pixel counts (Q,): the empirical prior smoothed by a Gaussian of
    ``sigma`` Lab units, mixed with the uniform one, inverted, and scaled so the expected weight under the
    smoothed prior is 1. Rare colours get larger weights, so the loss stops favouring greys and browns."""
    counts = np.asarray(counts, np.float64)
    if counts.sum() <= 0:
        raise ValueError("rebalancing_weights: the colour counts are all zero (no training pixels?)")
    centres = gamut_bins(side).astype(np.float64)
    kernel = np.exp(-((centres[:, None] - centres[None]) ** 2).sum(axis=-1) / (2 * sigma**2))
    prior = kernel @ (counts / counts.sum())
    prior /= prior.sum()
    weights = 1.0 / ((1.0 - mix) * prior + mix / len(prior))
    return (weights / (prior * weights).sum()).astype(np.float32)


def annealed_mean(logits, temperature=TEMPERATURE, side=BIN_SIDE):
    """One ab colour (N, 2, H, W), Lab units, from bin logits (N, Q, H, W): the mean of the distribution
    sharpened to softmax(logits / T). T = 1 is the plain mean, T -> 0 the mode; the paper's 0.38 keeps
    the vividness of the mode without its speckle."""
    if temperature <= 0:
        raise ValueError(f"annealed_mean: the temperature must be positive, got {temperature}")
    z = np.asarray(logits, np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return np.einsum("nqhw,qc->nchw", p, gamut_bins(side).astype(np.float64)).astype(np.float32)
