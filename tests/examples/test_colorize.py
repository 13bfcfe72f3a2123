"""examples/colorize.py with tiny settings: Lab scaling, crops and flips, the U-Net's shapes, a short run on
the bundled photos and on an npz, bit-for-bit resume, --colorize on a generated photo, clear errors."""

import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")
pytest.importorskip("PIL")
pytest.importorskip("skimage")

import autograd_lite as al  # noqa: E402
import nn.init as nn_init  # noqa: E402
from examples import _colour_bins as bins  # noqa: E402
from examples import colorize  # noqa: E402

TINY = ["--depth", "2", "--width", "8", "--crop", "32", "--eval-size", "32", "--batch-size", "8"]
LAST_LINE = (
    r"colorize: psnr \d+\.\d\d dB \(grey \d+\.\d\d\), ab_rmse \d+\.\d\d \(grey \d+\.\d\d\), "
    r"colourfulness \d+\.\d \(truth \d+\.\d\), \d+ s"
)


def _photos(n, size, rng):
    """Smooth colourful uint8 RGB images (N, size, size, 3)."""
    y, x = np.mgrid[0:size, 0:size] / size
    phase = rng.random((n, 3, 1, 1)) * 6
    return (127.5 + 120 * np.sin(3 * x + 2 * y + phase)).transpose(0, 2, 3, 1).astype(np.uint8)


def test_lab_scaling_round_trips():
    rgb = _photos(2, 16, np.random.default_rng(0))
    L, ab = colorize.to_model_inputs(rgb)
    assert L.shape == (2, 1, 16, 16) and ab.shape == (2, 2, 16, 16) and L.dtype == ab.dtype == np.float32
    assert L.min() >= -1 and L.max() <= 1 and np.abs(ab).max() <= 1.2
    assert np.abs(colorize.to_rgb(L, ab).astype(int) - rgb).max() <= 1


def test_crops_have_the_right_shape_and_flips_really_flip():
    rng = np.random.default_rng(1)
    crops = colorize.Crops([_photos(1, 40, rng)[0], _photos(1, 48, rng)[0][:, :44]])
    index, top, left = np.array([0, 1]), np.array([3, 5]), np.array([2, 10])
    plain = crops.crop(index, top, left, np.array([False, False]), 32)
    flipped = crops.crop(index, top, left, np.array([True, False]), 32)
    assert plain.shape == (2, 3, 32, 32)
    np.testing.assert_array_equal(flipped[0], plain[0][..., ::-1])
    np.testing.assert_array_equal(flipped[1], plain[1])
    np.testing.assert_array_equal(plain[1], crops.lab[1, :, 5:37, 10:42])
    crops.lab[0, :, 40:] = crops.lab[0, :, :, 40:] = np.nan  # the packing's padding: no crop may reach it
    L, ab = crops.sample(50, 32, np.random.default_rng(2))
    assert L.shape == (50, 1, 32, 32) and ab.shape == (50, 2, 32, 32)
    assert not np.isnan(L).any() and not np.isnan(ab).any()


@pytest.mark.parametrize("shape", [(16, 16), (32, 48), (8, 24)])
def test_unet_output_shape_and_range(shape):
    al.manual_seed(0)
    model = colorize.UNet(depth=3, width=4)
    x = al.tensor(np.random.default_rng(0).uniform(-1, 1, (2, 1) + shape).astype(np.float32))
    out = model(x).detach().numpy()
    assert out.shape == (2, 2) + shape and np.all(np.abs(out) < 1)
    nn_init.normal_(model.last.weight, 0.0, 10.0)  # saturate the tanh: still within [-1, 1]
    out = model(x).detach().numpy()
    assert np.abs(out).max() > 0.99 and np.all(np.abs(out) <= 1)


def test_unet_rejects_sizes_not_divisible_by_2_to_the_depth():
    model = colorize.UNet(depth=3, width=4)
    with pytest.raises(ValueError, match=r"20x16.*2\*\*depth = 8.*depth 3"):
        model(al.zeros(1, 1, 20, 16))


def test_colorize_pads_any_size():
    model = colorize.UNet(depth=2, width=4)
    assert colorize.colorize_L(model, np.zeros((1, 1, 13, 7), np.float32)).shape == (1, 2, 13, 7)


def test_a_tiny_run_on_the_bundled_photos(tmp_path, capsys):
    code = colorize.main(TINY + ["--epochs", "3", "--steps-per-epoch", "6", "--out", str(tmp_path), "--lr", "2e-3"])
    out = capsys.readouterr().out
    assert code == 0
    last = out.strip().splitlines()[-1]
    assert re.fullmatch(LAST_LINE, last), last
    for name in ("colorize_curves.png", "colorize_examples.png", "unet.ckpt"):
        assert (tmp_path / name).stat().st_size > 1000
    history = al.load(str(tmp_path / "unet.ckpt"))["history"]
    assert history["train_loss"][-1] < history["train_loss"][0]


def _weights(path):
    return {k: v.numpy() for k, v in al.load(path)["model"].items()}


def test_resume_continues_on_exactly_the_same_trajectory(tmp_path, capsys):
    common = TINY + ["--epochs", "2", "--steps-per-epoch", "2", "--no-plots"]
    colorize.main(common + ["--out", str(tmp_path / "straight")])
    colorize.main(common + ["--out", str(tmp_path / "resumed"), "--stop-after", "1"])
    assert al.load(str(tmp_path / "resumed" / "unet.ckpt"))["epoch"] == 1
    assert colorize.main(common + ["--out", str(tmp_path / "resumed"), "--resume"]) == 0
    capsys.readouterr()
    a, b = _weights(str(tmp_path / "straight" / "unet.ckpt")), _weights(str(tmp_path / "resumed" / "unet.ckpt"))
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_data_npz_and_colorize_a_photo(tmp_path, capsys):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(3)
    npz = tmp_path / "photos.npz"
    np.savez(npz, train=_photos(6, 40, rng), test=_photos(2, 36, rng))
    code = colorize.main(
        TINY + ["--data", str(npz), "--epochs", "1", "--steps-per-epoch", "2", "--no-plots", "--out", str(tmp_path)]
    )
    assert code == 0 and re.fullmatch(LAST_LINE, capsys.readouterr().out.strip().splitlines()[-1])
    Image.fromarray(_photos(1, 30, rng)[0][:, :23]).save(tmp_path / "mine.png")
    assert colorize.main(["--colorize", str(tmp_path / "mine.png"), "--out", str(tmp_path)]) == 0
    with Image.open(tmp_path / "mine_colorized.png") as result:
        assert result.size == (23, 30) and result.mode == "RGB"
    assert (tmp_path / "mine_comparison.png").exists()


def test_bad_files_give_one_clear_line(tmp_path):
    with pytest.raises(SystemExit, match="cannot read train/test images from .*nothing.npz"):
        colorize.main(["--data", str(tmp_path / "nothing.npz"), "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="no checkpoint at"):
        colorize.main(["--colorize", str(tmp_path / "x.png"), "--out", str(tmp_path / "none")])
    model = colorize.UNet(depth=2, width=4)
    config = {"depth": 2, "width": 4, "dropout": 0.5}
    al.save({"config": config, "model": model.state_dict()}, str(tmp_path / "unet.ckpt"))
    with pytest.raises(SystemExit, match="no image at .*missing.png"):
        colorize.main(["--colorize", str(tmp_path / "missing.png"), "--out", str(tmp_path)])
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(SystemExit, match="cannot read the image .*notes.png"):
        colorize.main(["--colorize", str(tmp_path / "notes.png"), "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="no folder at .*absent"):
        colorize.main(["--images", str(tmp_path / "absent"), "--out", str(tmp_path)])
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit, match="empty has 0 colour photo"):
        colorize.main(["--images", str(tmp_path / "empty"), "--out", str(tmp_path)])


def test_images_folder_skips_grayscale_photos(tmp_path, capsys):
    Image = pytest.importorskip("PIL.Image")
    folder = tmp_path / "photos"
    folder.mkdir()
    for i, photo in enumerate(_photos(4, 40, np.random.default_rng(4))):
        Image.fromarray(photo).save(folder / f"p{i}.png")
    Image.fromarray(np.full((40, 40), 90, np.uint8)).save(folder / "old.jpg")
    code = colorize.main(
        TINY
        + ["--images", str(folder), "--epochs", "1", "--steps-per-epoch", "1", "--no-plots", "--out", str(tmp_path)]
    )
    captured = capsys.readouterr()
    assert code == 0 and "skipping 1 grayscale photo(s)" in captured.err and "old.jpg" in captured.err
    assert "3 training images, 1 evaluation images" in captured.out


def test_ctrl_c_keeps_the_last_finished_epoch(tmp_path, capsys, interrupt_second_epoch):
    interrupt_second_epoch(colorize)
    code = colorize.main(TINY + ["--epochs", "3", "--steps-per-epoch", "1", "--no-plots", "--out", str(tmp_path)])
    assert code == 130 and "holds the last finished epoch" in capsys.readouterr().err
    assert al.load(str(tmp_path / "unet.ckpt"))["epoch"] == 1


# ---- --gan, --classify, tiles, --compare ----------------------------------------------------------------


def _args(*extra):
    return colorize.parse_args(TINY + list(extra))


def _parameters(module):
    return [p.detach().numpy().copy() for p in module.parameters()]


def test_one_gan_step_updates_both_networks():
    rng = np.random.default_rng(5)
    crops = colorize.Crops(list(_photos(3, 40, rng)))
    al.manual_seed(0)
    nets = colorize.Nets(_args("--gan"), crops)
    generator, discriminator = _parameters(nets.model), _parameters(nets.disc)
    L, ab = crops.sample(4, 32, rng)
    losses = colorize.gan_step(nets, L, ab, _args("--gan"))
    assert set(losses) == {"loss", "d_loss", "g_gan"} and all(np.isfinite(v) for v in losses.values())
    assert all(not np.array_equal(a, b.detach().numpy()) for a, b in zip(generator, nets.model.parameters()))
    assert all(not np.array_equal(a, b.detach().numpy()) for a, b in zip(discriminator, nets.disc.parameters()))
    assert all(p.requires_grad for p in nets.disc.parameters())  # unfrozen after the generator's step


def test_patch_discriminator_gives_one_logit_per_patch():
    disc = colorize.PatchDiscriminator(width=4, layers=2)
    assert disc(al.zeros(2, 1, 64, 64), al.zeros(2, 2, 64, 64)).shape == (2, 1, 14, 14)
    assert colorize.PatchDiscriminator(width=4, layers=3)(al.zeros(1, 1, 64, 64), al.zeros(1, 2, 64, 64)).shape == (
        1,
        1,
        6,
        6,
    )


def test_colour_bins_cover_the_srgb_gamut_and_map_centres_to_themselves():
    centres = bins.gamut_bins()
    assert 250 <= len(centres) <= 320  # Zhang et al. count 313 with a more generous gamut test
    index = bins.nearest_bin(centres.T[None, :, :, None])  # (1, 2, Q, 1) -> (1, Q, 1)
    np.testing.assert_array_equal(index[0, :, 0], np.arange(len(centres)))
    rgb = _photos(2, 16, np.random.default_rng(6))
    ab = colorize.to_model_inputs(rgb)[1] * colorize.AB_SCALE
    assert np.abs(centres[bins.nearest_bin(ab)].transpose(0, 3, 1, 2) - ab).max() <= bins.BIN_SIDE / np.sqrt(2) + 1e-3


def test_annealed_mean_of_known_distributions():
    centres = bins.gamut_bins().astype(np.float64)
    q = len(centres)
    one_hot = np.full((1, q, 1, 1), -1e9)
    one_hot[0, 7] = 0.0
    np.testing.assert_allclose(bins.annealed_mean(one_hot)[0, :, 0, 0], centres[7], atol=1e-4)
    # 0.8 on bin 3 and 0.2 on bin 90: T = 1 gives the mean; T = 0.5 squares and renormalises (0.94 / 0.06)
    log_p = np.full((1, q, 1, 1), -np.inf)
    log_p[0, 3], log_p[0, 90] = np.log(0.8), np.log(0.2)
    np.testing.assert_allclose(
        bins.annealed_mean(log_p, temperature=1.0)[0, :, 0, 0], 0.8 * centres[3] + 0.2 * centres[90], rtol=1e-5
    )
    np.testing.assert_allclose(
        bins.annealed_mean(log_p, temperature=0.5)[0, :, 0, 0],
        (0.64 * centres[3] + 0.04 * centres[90]) / 0.68,
        rtol=1e-5,
    )
    np.testing.assert_allclose(bins.annealed_mean(log_p, temperature=0.01)[0, :, 0, 0], centres[3], atol=1e-3)
    with pytest.raises(ValueError, match="temperature must be positive"):
        bins.annealed_mean(log_p, temperature=0.0)


def test_rebalancing_weights_favour_rare_colours():
    q = len(bins.gamut_bins())
    counts = np.ones(q)
    counts[0] = 1e6  # one very common colour
    weights = bins.rebalancing_weights(counts)
    assert weights.shape == (q,) and weights[0] == weights.min() and weights[0] < 0.5 * np.median(weights)
    uniform = bins.rebalancing_weights(np.ones(q))  # only the smoothing at the gamut's edge moves these
    assert 0.9 < uniform.min() and uniform.max() < 1.15
    with pytest.raises(ValueError, match="all zero"):
        bins.rebalancing_weights(np.zeros(q))


def test_classify_head_and_decoding_shapes():
    model = colorize.UNet(depth=2, width=4, bins=len(bins.gamut_bins()))
    logits = model(al.zeros(2, 1, 16, 24))
    assert logits.shape == (2, len(bins.gamut_bins()), 8, 12)
    ab = colorize.colorize_L(model, np.zeros((2, 1, 13, 21), np.float32))
    assert ab.shape == (2, 2, 13, 21) and np.abs(ab).max() <= 1.2


def test_learning_rate_decays_linearly_over_the_last_epochs():
    args = colorize.parse_args(["--epochs", "6"])
    assert args.decay_epochs == 3
    factors = [colorize.learning_rate_factor(e, args) for e in range(6)]
    np.testing.assert_allclose(factors, [1, 1, 1, 0.75, 0.5, 0.25])


def test_tiles_give_the_whole_image_result():
    al.manual_seed(1)
    model = colorize.UNet(depth=2, width=4)
    L = np.random.default_rng(7).uniform(-1, 1, (1, 1, 70, 90)).astype(np.float32)
    whole = colorize.colorize_whole(model, L)
    tiled = colorize.colorize_L(model, L, tile=32, margin=32)
    assert tiled.shape == whole.shape == (1, 2, 70, 90)
    np.testing.assert_allclose(tiled, whole, atol=1e-5)


@pytest.mark.parametrize("mode", ["--gan", "--classify"])
def test_tiny_gan_and_classify_runs_learn(tmp_path, capsys, mode):
    code = colorize.main(
        TINY
        + [
            mode,
            "--epochs",
            "3",
            "--steps-per-epoch",
            "6",
            "--out",
            str(tmp_path),
            "--lr",
            "2e-3",
            "--decay-epochs",
            "0",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and re.fullmatch(LAST_LINE, out.strip().splitlines()[-1])
    assert "motorcycle (right view)" in out and "chelsea" in out  # the per-image table
    state = al.load(str(tmp_path / "unet.ckpt"))
    assert state["history"]["train_loss"][-1] < state["history"]["train_loss"][0]
    assert ("disc" in state) == (mode == "--gan")
    assert (tmp_path / "colorize_curves.png").stat().st_size > 1000


def test_gan_resume_restores_the_discriminator(tmp_path, capsys):
    common = TINY + ["--gan", "--epochs", "2", "--steps-per-epoch", "2", "--no-plots"]
    colorize.main(common + ["--out", str(tmp_path / "straight")])
    colorize.main(common + ["--out", str(tmp_path / "resumed"), "--stop-after", "1"])
    colorize.main(common + ["--out", str(tmp_path / "resumed"), "--resume"])
    capsys.readouterr()
    a, b = (al.load(str(tmp_path / d / "unet.ckpt")) for d in ("straight", "resumed"))
    for part in ("model", "disc"):
        assert all(np.array_equal(a[part][k].numpy(), b[part][k].numpy()) for k in a[part])


def test_compare_puts_checkpoints_side_by_side(tmp_path, capsys):
    base = TINY + ["--epochs", "1", "--steps-per-epoch", "2", "--no-plots"]
    colorize.main(base + ["--out", str(tmp_path / "l1")])
    colorize.main(base + ["--classify", "--out", str(tmp_path / "cls")])
    code = colorize.main(
        ["--compare", str(tmp_path / "l1" / "unet.ckpt"), str(tmp_path / "cls" / "unet.ckpt"), "--out", str(tmp_path)]
    )
    out = capsys.readouterr().out
    assert "| image | grey PSNR / ab RMSE | L1 PSNR / ab RMSE | classification PSNR / ab RMSE |" in out
    assert re.search(r"\| chelsea \| \d+\.\d\d / \d+\.\d\d \|", out) and "| mean |" in out
    last = out.strip().splitlines()[-1]
    assert code == 0 and re.fullmatch(
        r"compare: L1 ab_rmse \d+\.\d\d colourfulness \d+\.\d \| classification "
        r"ab_rmse \d+\.\d\d colourfulness \d+\.\d \(grey ab_rmse \d+\.\d\d, truth "
        r"colourfulness \d+\.\d\)",
        last,
    ), last
    assert (tmp_path / "colorize_compare.png").stat().st_size > 1000
    colorize.main(
        TINY[:4]
        + [
            "--crop",
            "32",
            "--eval-size",
            "64",
            "--epochs",
            "1",
            "--steps-per-epoch",
            "1",
            "--no-plots",
            "--out",
            str(tmp_path / "other"),
        ]
    )
    with pytest.raises(SystemExit, match="evaluated on other images"):
        colorize.main(["--compare", str(tmp_path / "l1" / "unet.ckpt"), str(tmp_path / "other" / "unet.ckpt")])


def test_test_images_folder_replaces_the_evaluation_photos(tmp_path, capsys):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(8)
    for folder, count in (("train", 3), ("test", 2)):
        (tmp_path / folder).mkdir()
        for i, photo in enumerate(_photos(count, 40, rng)):
            Image.fromarray(photo).save(tmp_path / folder / f"{folder}{i}.png")
    code = colorize.main(
        TINY
        + [
            "--images",
            str(tmp_path / "train"),
            "--test-images",
            str(tmp_path / "test"),
            "--epochs",
            "1",
            "--steps-per-epoch",
            "1",
            "--no-plots",
            "--out",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "3 training images, 2 evaluation images of 32x32" in out
    assert "test0.png" in out and "test1.png" in out  # the per-image table names them
    (tmp_path / "grey").mkdir()
    Image.fromarray(np.full((40, 40), 90, np.uint8)).save(tmp_path / "grey" / "old.png")
    with pytest.raises(SystemExit, match="grey has 0 colour photo.*at least 1 is needed"):
        colorize.main(TINY + ["--test-images", str(tmp_path / "grey"), "--out", str(tmp_path)])
