"""Colour grayscale photos with a U-Net (pix2pix's generator) trained on the L -> ab channels of Lab images.

    pip install -e ".[examples]" && python examples/colorize.py          # scikit-image's bundled photos
    python examples/colorize.py --data ../shared/data/photos.npz          # an npz with train/test arrays
    python examples/colorize.py --images ~/Pictures                       # a folder of your own photos
    python examples/colorize.py --gan                                     # pix2pix: + a PatchGAN discriminator
    python examples/colorize.py --classify                                # Zhang et al.: colour bins, rebalanced
    python examples/colorize.py --colorize old_photo.jpg                  # colour photos with the checkpoint
    python examples/colorize.py --compare A/unet.ckpt B/unet.ckpt         # several models side by side

The network sees L/50 - 1 and predicts ab/110 (tanh), trained by Adam on random crops with random horizontal
flips, with L1 on ab (the default), with pix2pix's GAN + 100 x L1 (--gan), or as classification over ab bins
(--classify). Evaluation compares it with the grayscale baseline (ab = 0) and a mean-colour baseline (the
training set's mean ab everywhere). The last line printed is
``colorize: psnr 23.41 dB (grey 20.65), ab_rmse 11.02 (grey 15.80), colourfulness 38.2 (truth 51.6), 583 s``.
"""

import argparse
import os
import signal
import sys
import warnings

import numpy as np

import autograd_lite as al
import nn
import nn.functional as F
import optim
from autograd_lite.creation import numpy_generator

if __package__ in (None, ""):  # run as a script: make the examples package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from examples import _colour_bins as bins  # noqa: E402
from examples import _common as common  # noqa: E402

L_SCALE, AB_SCALE = 50.0, 110.0  # network input L/50 - 1 in [-1, 1]; target ab/110 in about [-1, 1]
TRAIN_PHOTOS = ("astronaut", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry", "retina")
HELD_OUT_PHOTO = "chelsea"  # skimage.data.cat() is the same photo, so the cat is held out entirely
SHORT_SIDE = 256  # bundled and folder photos are scaled so their shorter side is this (crops then show objects)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
TILE, TILE_MARGIN = 512, 64  # --colorize runs larger photos in 512 x 512 tiles seen with 64 pixels of context
MODES = ("l1", "gan", "classify")


# ---- colour -------------------------------------------------------------------------------------------


def _skimage(module):
    """A scikit-image submodule, or one line saying how to install it."""
    return common.require(f"skimage.{module}", "scikit-image")


def to_model_inputs(rgb):
    """uint8 RGB (N, H, W, 3) -> (L/50 - 1 as (N, 1, H, W), ab/110 as (N, 2, H, W)), float32."""
    lab = _skimage("color").rgb2lab(np.asarray(rgb)).astype(np.float32)
    lab = np.moveaxis(lab, -1, 1)
    return lab[:, :1] / L_SCALE - 1.0, lab[:, 1:] / AB_SCALE


def to_rgb(L_scaled, ab_scaled):
    """The inverse of ``to_model_inputs``: scaled L (N, 1, H, W) and ab (N, 2, H, W) -> uint8 RGB (N, H, W, 3)."""
    lab = np.concatenate([(np.asarray(L_scaled) + 1.0) * L_SCALE, np.asarray(ab_scaled) * AB_SCALE], axis=1)
    with warnings.catch_warnings():  # a predicted colour outside sRGB is clipped, as the warning says: expected
        warnings.filterwarnings("ignore", message="Conversion from CIE-LAB", category=UserWarning)
        rgb = _skimage("color").lab2rgb(np.moveaxis(lab.astype(np.float64), 1, -1))
    return np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8)


def colourfulness(rgb):
    """Hasler & Suesstrunk (2003) colourfulness of each uint8 RGB image (N, H, W, 3): an (N,) array."""
    r, g, b = (np.asarray(rgb, np.float64)[..., i] for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    std = np.sqrt(rg.std(axis=(1, 2)) ** 2 + yb.std(axis=(1, 2)) ** 2)
    mean = np.sqrt(rg.mean(axis=(1, 2)) ** 2 + yb.mean(axis=(1, 2)) ** 2)
    return std + 0.3 * mean


def psnr(a, b):
    """Peak signal-to-noise ratio (dB) of each pair of uint8 images (N, H, W, 3): an (N,) array."""
    mse = ((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2).mean(axis=(1, 2, 3))
    return 10.0 * np.log10(255.0**2 / np.maximum(mse, 1e-10))


# ---- the generator ------------------------------------------------------------------------------------


def down_block(in_channels, out_channels, norm):
    """Halve the resolution: a 4x4 stride-2 convolution, BatchNorm (unless ``norm`` is False), LeakyReLU(0.2)."""
    layers = [nn.Conv2d(in_channels, out_channels, 4, stride=2, padding=1, bias=not norm)]
    if norm:
        layers.append(nn.BatchNorm2d(out_channels))
    return nn.Sequential(*layers, nn.LeakyReLU(0.2))


def up_block(in_channels, out_channels, dropout):
    """Double the resolution: a 4x4 stride-2 transposed convolution, BatchNorm, Dropout (if any), ReLU."""
    layers = [
        nn.ConvTranspose2d(in_channels, out_channels, 4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
    ]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.ReLU())


class UNet(nn.Module):
    """pix2pix's U-Net generator: ``depth`` down blocks (``width`` channels doubling per level, at most 8x),
    up blocks that concatenate the matching down block's output (skip connections), and a last transposed
    convolution to ``out_channels`` with tanh. The two innermost up blocks use dropout. With ``bins`` > 0 the
    head is instead a 1x1 convolution to ``bins`` logits at half resolution (colour classification; chroma
    is smooth, and half resolution keeps the Q-channel head cheap). Input height and width must be divisible
    by 2**depth; otherwise ``forward`` raises a ValueError naming the size and the depth."""

    def __init__(self, depth=4, width=32, dropout=0.5, in_channels=1, out_channels=2, bins=0):
        super().__init__()
        if depth < 1:
            raise ValueError(f"UNet: depth must be at least 1, got {depth}")
        self.depth, self.bins = depth, bins
        channels = [width * 2 ** min(i, 3) for i in range(depth)]
        self.downs = nn.Sequential(
            *[down_block(in_channels if i == 0 else channels[i - 1], channels[i], i > 0) for i in range(depth)]
        )
        self.ups = nn.Sequential(
            *[
                up_block(
                    channels[i] * (1 if i == depth - 1 else 2), channels[i - 1], dropout if i >= depth - 2 else 0.0
                )
                for i in range(depth - 1, 0, -1)
            ]
        )
        last_in = channels[0] * (2 if depth > 1 else 1)
        self.last = (
            nn.Conv2d(last_in, bins, 1) if bins else nn.ConvTranspose2d(last_in, out_channels, 4, stride=2, padding=1)
        )
        self.apply(init_weights)

    def forward(self, x):
        """(N, in_channels, H, W) -> (N, out_channels, H, W) in (-1, 1), or bin logits (N, bins, H/2, W/2)."""
        height, width = x.shape[-2:]
        if height % 2**self.depth or width % 2**self.depth:
            raise ValueError(
                f"UNet: input size {height}x{width} is not divisible by 2**depth = "
                f"{2**self.depth} (depth {self.depth}); pad or crop it"
            )
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
        for up, skip in zip(self.ups, reversed(skips[:-1])):
            x = al.cat([up(x), skip], dim=1)
        return self.last(x) if self.bins else al.tanh(self.last(x))


class PatchDiscriminator(nn.Module):
    """pix2pix's PatchGAN on (L, ab) stacked as channels: ``layers`` stride-2 4x4 convolutions (the first
    without BatchNorm), one stride-1 block and a 1-channel convolution, all LeakyReLU(0.2). It answers
    "real or fake?" with one logit per overlapping patch (34 x 34 pixels for 2 layers, 70 x 70 for 3), so it
    judges local colour texture and leaves the global layout to the L1 term."""

    def __init__(self, width=32, layers=2, in_channels=3):
        super().__init__()
        channels = [width * 2 ** min(i, 3) for i in range(layers + 1)]
        blocks = [down_block(in_channels, channels[0], norm=False)]
        blocks += [down_block(channels[i - 1], channels[i], norm=True) for i in range(1, layers)]
        blocks += [
            nn.Conv2d(channels[layers - 1], channels[layers], 4, padding=1, bias=False),
            nn.BatchNorm2d(channels[layers]),
            nn.LeakyReLU(0.2),
            nn.Conv2d(channels[layers], 1, 4, padding=1),
        ]
        self.net = nn.Sequential(*blocks)
        self.apply(init_weights)

    def forward(self, L, ab):
        """Patch logits (N, 1, h, w) for scaled L (N, 1, H, W) and scaled ab (N, 2, H, W)."""
        return self.net(al.cat([L, ab], dim=1))


def init_weights(module):
    """pix2pix's initialisation: convolution weights N(0, 0.02), BatchNorm weights N(1, 0.02), biases 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def decode(output, model, temperature=bins.TEMPERATURE):
    """Scaled ab (N, 2, H, W) from the model's output: itself for the regression head; for the bins head the
    annealed mean of each pixel's distribution, bilinearly upsampled from half resolution."""
    if not model.bins:
        return output
    ab = bins.annealed_mean(output, temperature) / AB_SCALE
    zoom = common.require("scipy.ndimage", "scipy").zoom
    return zoom(ab, (1, 1, 2, 2), order=1, grid_mode=True, mode="nearest").astype(np.float32)


def colorize_whole(model, L_scaled, temperature=bins.TEMPERATURE):
    """Scaled ab (N, 2, H, W) for scaled L of any size: reflection-padded to a multiple of 2**depth, run in
    eval mode without a graph, eight images at a time, cropped back."""
    height, width = L_scaled.shape[-2:]
    multiple = 2**model.depth
    pad_h, pad_w = -height % multiple, -width % multiple
    mode = "reflect" if min(height, width) > 1 else "edge"
    padded = np.pad(L_scaled, ((0, 0), (0, 0), (0, pad_h), (0, pad_w)), mode=mode)
    was_training = model.training
    model.eval()
    with al.no_grad():
        ab = np.concatenate(
            [decode(model(al.tensor(padded[i : i + 8])).numpy(), model, temperature) for i in range(0, len(padded), 8)]
        )
    model.train(was_training)
    return ab[:, :, :height, :width]


def colorize_L(model, L_scaled, temperature=bins.TEMPERATURE, tile=TILE, margin=TILE_MARGIN):
    """Scaled ab for scaled L of any size. Photos larger than tile x tile go through in tiles, each run with
    ``margin`` pixels of surrounding context (tile origins stay on the 2**depth grid), so memory stays
    bounded and the result matches the whole-image one wherever the network's view fits in the margin."""
    height, width = L_scaled.shape[-2:]
    if height * width <= tile * tile:
        return colorize_whole(model, L_scaled, temperature)
    multiple = 2**model.depth
    tile, margin = -(-tile // multiple) * multiple, -(-margin // multiple) * multiple
    ab = np.empty((len(L_scaled), 2, height, width), np.float32)
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            t0, l0 = max(top - margin, 0), max(left - margin, 0)
            part = colorize_whole(
                model, L_scaled[:, :, t0 : top + tile + margin, l0 : left + tile + margin], temperature
            )
            ab[:, :, top : top + tile, left : left + tile] = part[
                :, :, top - t0 : top - t0 + tile, left - l0 : left - l0 + tile
            ]
    return ab


# ---- data ---------------------------------------------------------------------------------------------


class Crops:
    """Training images in Lab (scaled), packed into one zero-padded (N, 3, H, W) float32 array with each
    image's own (height, width), for vectorised random crops."""

    def __init__(self, images):
        shapes = np.array([im.shape[:2] for im in images])
        self.sizes = shapes
        self.lab = np.zeros((len(images), 3, shapes[:, 0].max(), shapes[:, 1].max()), np.float32)
        total, pixels = np.zeros(2), 0
        for i, im in enumerate(images):
            L, ab = to_model_inputs(im[None])
            self.lab[i, :, : im.shape[0], : im.shape[1]] = np.concatenate([L, ab], axis=1)[0]
            total += ab[0].sum(axis=(1, 2))
            pixels += im.shape[0] * im.shape[1]
        self.mean_ab = (total / pixels).astype(np.float32)  # scaled, for the mean-colour baseline

    def bin_counts(self):
        """How many training pixels fall in each colour bin (Q,), for --classify's class rebalancing."""
        counts = np.zeros(len(bins.gamut_bins()), np.int64)
        for (height, width), lab in zip(self.sizes, self.lab):
            counts += np.bincount(bins.nearest_bin(lab[1:, :height, :width] * AB_SCALE).ravel(), minlength=len(counts))
        return counts

    def __len__(self):
        return len(self.lab)

    def crop(self, index, top, left, flip, size):
        """Crops (n, 3, size, size) of images ``index`` at (top, left), mirrored left-right where ``flip``."""
        offsets = np.arange(size)
        rows = top[:, None] + offsets
        cols = left[:, None] + offsets
        cols = np.where(flip[:, None], cols[:, ::-1], cols)
        return self.lab[
            index[:, None, None, None],
            np.arange(3)[None, :, None, None],
            rows[:, None, :, None],
            cols[:, None, None, :],
        ]

    def sample(self, n, size, rng):
        """``n`` random size x size crops with random horizontal flips: (L (n, 1, s, s), ab (n, 2, s, s))."""
        index = rng.integers(0, len(self), n)
        top = (rng.random(n) * (self.sizes[index, 0] - size + 1)).astype(np.int64)
        left = (rng.random(n) * (self.sizes[index, 1] - size + 1)).astype(np.int64)
        batch = self.crop(index, top, left, rng.random(n) < 0.5, size)
        return batch[:, :1], batch[:, 1:]


def shorter_side(image, side):
    """``image`` (uint8 RGB) scaled down (anti-aliased) so its shorter side is ``side``; smaller ones unchanged."""
    scale = side / min(image.shape[:2])
    if scale >= 1:
        return image
    shape = (round(image.shape[0] * scale), round(image.shape[1] * scale))
    resized = _skimage("transform").resize(image, shape, anti_aliasing=True)
    return np.clip(np.round(resized * 255), 0, 255).astype(np.uint8)


def centre_square(image, side):
    """The centre square of ``image`` (uint8 RGB), resized (anti-aliased) to side x side."""
    h, w = image.shape[:2]
    s = min(h, w)
    square = image[(h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s]
    resized = _skimage("transform").resize(square, (side, side), anti_aliasing=True)
    return np.clip(np.round(resized * 255), 0, 255).astype(np.uint8)


def bundled_photos():
    """scikit-image's colour photos: (training list, evaluation list, evaluation names); the right view of
    the motorcycle and the cat are held out."""
    data = _skimage("data")
    left, right, _ = data.stereo_motorcycle()
    return (
        [getattr(data, name)() for name in TRAIN_PHOTOS] + [left],
        [right, getattr(data, HELD_OUT_PHOTO)()],
        ["motorcycle (right view)", HELD_OUT_PHOTO],
    )


def load_npz(path):
    """``train`` and ``test`` uint8 (N, H, W, 3) arrays of an npz and the test images' names (its
    ``test_names``, or numbers), or one line saying what is wrong."""
    try:
        with np.load(path) as archive:
            train, test = archive["train"], archive["test"]
            names = [str(n) for n in archive["test_names"]] if "test_names" in archive else None
    except (OSError, ValueError, KeyError) as err:
        sys.exit(f"error: cannot read train/test images from {path}: {err}")
    for name, array in (("train", train), ("test", test)):
        if array.ndim != 4 or array.shape[-1] != 3 or array.dtype != np.uint8 or len(array) == 0:
            sys.exit(
                f"error: {path}: '{name}' must be a non-empty uint8 array (N, H, W, 3), got {array.dtype} {array.shape}"
            )
    if names is None or len(names) != len(test):
        names = [f"test[{i}]" for i in range(len(test))]
    return list(train), test, names


def read_photo(path):
    """A photo as uint8 RGB (H, W, 3) and whether it is grayscale, or one line naming the file."""
    Image = common.require("PIL.Image", "pillow")
    try:
        with Image.open(path) as image:
            grey = image.mode in ("1", "L", "LA", "I", "I;16", "F")
            rgb = np.asarray(image.convert("RGB"))
    except FileNotFoundError:
        sys.exit(f"error: no image at {path}")
    except (OSError, ValueError) as err:
        sys.exit(f"error: cannot read the image {path}: {err}")
    grey = grey or bool((rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all())
    return rgb, grey


def colour_photos(folder, at_least):
    """The colour photos of ``folder`` (sorted by file name) and their names; grayscale ones are skipped
    with a note, and fewer than ``at_least`` is one clear error."""
    if not os.path.isdir(folder):
        sys.exit(f"error: no folder at {folder}")
    photos, kept, skipped = [], [], []
    for name in sorted(n for n in os.listdir(folder) if n.lower().endswith(IMAGE_SUFFIXES)):
        rgb, grey = read_photo(os.path.join(folder, name))
        if grey:
            skipped.append(name)
        else:
            photos.append(rgb)
            kept.append(name)
    if skipped:
        print(
            f"skipping {len(skipped)} grayscale photo(s) of {folder}: {', '.join(skipped[:5])}"
            f"{' ...' if len(skipped) > 5 else ''}",
            file=sys.stderr,
        )
    if len(photos) < at_least:
        sys.exit(
            f"error: {folder} has {len(photos)} colour photo(s) (JPEG/PNG); at least {at_least} "
            f"{'is' if at_least == 1 else 'are'} needed"
        )
    return photos, kept


def folder_photos(folder):
    """The colour photos of ``folder`` split 90/10 into (training, evaluation, evaluation file names)."""
    photos, names = colour_photos(folder, at_least=2)
    held_out = max(1, len(photos) // 10)
    order = np.random.default_rng(0).permutation(len(photos))
    return (
        [photos[i] for i in order[held_out:]],
        [photos[i] for i in order[:held_out]],
        [names[i] for i in order[:held_out]],
    )


def load_data(args):
    """(Crops of the training photos, evaluation uint8 RGB (M, H, W, 3), the evaluation images' names, a
    name for the data)."""
    train, test, names, name = load_photos(args)
    return Crops(train), test, names, name


def load_photos(args):
    """(training photos, evaluation uint8 RGB (M, H, W, 3), the evaluation images' names, a name for the
    data). With --test-images the evaluation photos come from that folder and every photo of the training
    source is used for training."""
    evaluation = None
    if args.data:
        train, test, names = load_npz(args.data)
        name = os.path.basename(args.data)
    elif args.images and args.test_images:
        train, name = colour_photos(args.images, at_least=1)[0], args.images
    else:
        train, evaluation, names = folder_photos(args.images) if args.images else bundled_photos()
        name = args.images or "scikit-image's photos"
    if not args.data:
        train = [shorter_side(im, SHORT_SIDE) for im in train]
    if args.test_images:
        evaluation, names = colour_photos(args.test_images, at_least=1)
    if evaluation is not None:
        test = np.stack([centre_square(im, args.eval_size) for im in evaluation])
    small = [im.shape[:2] for im in train if min(im.shape[:2]) < args.crop]
    if small:
        sys.exit(f"error: --crop {args.crop} is larger than a training image of {small[0][0]}x{small[0][1]}")
    return train, test, names, name


# ---- training -----------------------------------------------------------------------------------------


class Nets:
    """What one run trains: the generator and its optimizer; in --gan mode also the discriminator and its
    optimizer; in --classify mode the class-rebalancing weights of the colour bins."""

    def __init__(self, args, crops):
        self.model = UNet(
            args.depth, args.width, args.dropout, bins=len(bins.gamut_bins()) if args.mode == "classify" else 0
        )
        self.optimizer = adam(self.model, args.lr)
        self.disc = self.d_optimizer = self.class_weights = None
        if args.mode == "gan":
            self.disc = PatchDiscriminator(args.width, args.d_layers)
            self.d_optimizer = adam(self.disc, args.lr)
        if args.mode == "classify":
            self.class_weights = al.tensor(bins.rebalancing_weights(crops.bin_counts()))

    def optimizers(self):
        return [o for o in (self.optimizer, self.d_optimizer) if o is not None]

    def train(self):
        for net in (self.model, self.disc):
            if net is not None:
                net.train()


def adam(module, lr):
    """pix2pix's optimizer: Adam with betas (0.5, 0.999)."""
    return optim.Adam(module.parameters(), lr=lr, betas=(0.5, 0.999))


def learning_rate_factor(epoch, args):
    """pix2pix's schedule: the full rate, then a linear decay towards 0 over the last --decay-epochs."""
    start = args.epochs - args.decay_epochs
    return 1.0 if epoch < start else 1.0 - (epoch - start + 1) / (args.decay_epochs + 1)


def update(optimizer, loss):
    """One optimizer step on ``loss``."""
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def l1_step(nets, L, ab, args):
    """The default: L1 between predicted and true scaled ab."""
    loss = F.l1_loss(nets.model(al.tensor(L)), al.tensor(ab))
    update(nets.optimizer, loss)
    return {"loss": loss.item()}


def gan_step(nets, L, ab, args):
    """pix2pix: the discriminator learns real (L, ab) pairs from generated ones (BCE with logits, halved);
    then the generator, with the discriminator frozen, minimises its GAN loss + lambda x L1."""
    L, real = al.tensor(L), al.tensor(ab)
    fake = nets.model(L)
    d_real, d_fake = nets.disc(L, real), nets.disc(L, fake.detach())
    d_loss = 0.5 * (
        F.binary_cross_entropy_with_logits(d_real, al.ones_like(d_real))
        + F.binary_cross_entropy_with_logits(d_fake, al.zeros_like(d_fake))
    )
    update(nets.d_optimizer, d_loss)
    nets.disc.requires_grad_(False)
    try:
        judged = nets.disc(L, fake)
        g_gan = F.binary_cross_entropy_with_logits(judged, al.ones_like(judged))
        l1 = F.l1_loss(fake, real)
        update(nets.optimizer, g_gan + args.lambda_l1 * l1)
    finally:
        nets.disc.requires_grad_(True)
    return {"loss": l1.item(), "d_loss": d_loss.item(), "g_gan": g_gan.item()}


def halve(ab):
    """2 x 2 average pooling of (N, C, H, W) numpy arrays: the targets of the half-resolution bins head."""
    n, c, h, w = ab.shape
    return ab.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5))


def classify_step(nets, L, ab, args):
    """Zhang et al.: cross-entropy over colour bins against each pixel's bin, weighted by the bin's
    rebalancing weight."""
    target = al.tensor(bins.nearest_bin(halve(ab) * AB_SCALE))
    loss = F.cross_entropy(nets.model(al.tensor(L)), target, weight=nets.class_weights)
    update(nets.optimizer, loss)
    return {"loss": loss.item()}


STEPS = {"l1": l1_step, "gan": gan_step, "classify": classify_step}


def train_epoch(nets, crops, args, epoch):
    """``--steps-per-epoch`` training steps over random crops at this epoch's learning rate; returns the
    mean of each loss."""
    nets.train()
    for optimizer in nets.optimizers():
        for group in optimizer.param_groups:
            group["lr"] = args.lr * learning_rate_factor(epoch, args)
    rng = numpy_generator(None, "colorize")
    totals = {}
    bar = common.progress(
        range(args.steps_per_epoch), desc=f"epoch {epoch + 1}/{args.epochs}", unit="batch", leave=False
    )
    for step in bar:
        L, ab = crops.sample(args.batch_size, args.crop, rng)
        for key, value in STEPS[args.mode](nets, L, ab, args).items():
            totals[key] = totals.get(key, 0.0) + value
        bar.set_postfix(loss=f"{totals['loss'] / (step + 1):.4f}")
    return {key: total / args.steps_per_epoch for key, total in totals.items()}


def evaluate(model, test, mean_ab, temperature=bins.TEMPERATURE):
    """Per-image metrics (RGB PSNR, ab RMSE in Lab units, L1 on scaled ab, colourfulness) of the model and of
    the grayscale and mean-colour baselines on uint8 RGB ``test``, and the model's colourings."""
    L, ab = to_model_inputs(test)
    guesses = {
        "model": colorize_L(model, L, temperature),
        "grey": np.zeros_like(ab),
        "mean": np.broadcast_to(np.asarray(mean_ab, np.float32)[None, :, None, None], ab.shape),
    }
    metrics = {"truth": {"colourfulness": colourfulness(test)}}
    for name, guess in guesses.items():
        rgb = to_rgb(L, guess)
        metrics[name] = {
            "psnr": psnr(rgb, test),
            "ab_rmse": np.sqrt(((guess - ab) ** 2).mean(axis=(1, 2, 3))) * AB_SCALE,
            "l1": np.abs(guess - ab).mean(axis=(1, 2, 3)),
            "colourfulness": colourfulness(rgb),
        }
        if name == "model":
            colourings = rgb
    return metrics, colourings


def mean_of(metrics, who):
    """The evaluation images' mean of each metric of ``who`` ("model", "grey", "mean" or "truth")."""
    return {key: float(np.mean(values)) for key, values in metrics[who].items()}


def run_training(args, nets, crops, test, state):
    """Train for the remaining epochs, evaluating and checkpointing each; Ctrl-C leaves the last finished
    epoch's checkpoint in place and stops."""
    history, watch = state["history"], common.Stopwatch(state["seconds"])
    last = args.epochs if not args.stop_after else min(args.epochs, state["epoch"] + args.stop_after)
    for epoch in range(state["epoch"], last):
        losses = train_epoch(nets, crops, args, epoch)
        metrics, _ = evaluate(nets.model, test, crops.mean_ab, args.temperature)
        model = mean_of(metrics, "model")
        record = {
            "train_loss": losses.pop("loss"),
            "eval_loss": model["l1"],
            "psnr": model["psnr"],
            "ab_rmse": model["ab_rmse"],
            "colourfulness": model["colourfulness"],
            **losses,
        }
        for key, value in record.items():
            history[key].append(value)
        extra = "".join(f" {key} {value:.4f}" for key, value in losses.items())
        print(
            f"epoch {epoch + 1:3d}: train {TRAIN_LOSS[args.mode]} {record['train_loss']:.4f}{extra} | "
            f"evaluation L1 {model['l1']:.4f} psnr {model['psnr']:.2f} dB ab_rmse {model['ab_rmse']:.2f} "
            f"colourfulness {model['colourfulness']:.1f} | {watch.elapsed():.1f} s",
            flush=True,
        )
        gan = {"disc": nets.disc.state_dict(), "d_optimizer": nets.d_optimizer.state_dict()} if nets.disc else {}
        common.save_checkpoint(
            args.checkpoint,
            config=_config(args),
            model=nets.model.state_dict(),
            optimizer=nets.optimizer.state_dict(),
            epoch=epoch + 1,
            history=history,
            seconds=watch.elapsed(),
            rng=al.get_rng_state(),
            mean_ab=crops.mean_ab,
            **gan,
        )
    return watch.elapsed()


TRAIN_LOSS = {"l1": "L1", "gan": "L1", "classify": "weighted CE"}


def _config(args):
    """The flags that define the trajectory: a resume must use the same ones."""
    keys = (
        "mode",
        "depth",
        "width",
        "dropout",
        "lr",
        "decay_epochs",
        "batch_size",
        "crop",
        "steps_per_epoch",
        "seed",
        "epochs",
        "data",
        "images",
        "test_images",
        "eval_size",
    )
    keys += ("lambda_l1", "d_layers") if args.mode == "gan" else ()
    return {k: getattr(args, k) for k in keys}


def history_keys(mode):
    """What is recorded per epoch: losses, then the evaluation metrics."""
    gan = ("d_loss", "g_gan") if mode == "gan" else ()
    return ("train_loss", "eval_loss", "psnr", "ab_rmse", "colourfulness") + gan


def start_state(args, nets):
    """A fresh start, or the state of the checkpoint being resumed (networks, optimizers, RNG restored)."""
    keys = history_keys(args.mode)
    if not args.resume:
        return {"epoch": 0, "seconds": 0.0, "history": {k: [] for k in keys}}
    state = common.resume(args.checkpoint, _config(args), keys, nets.model, nets.optimizer)
    if nets.disc is not None and "disc" in state:
        nets.disc.load_state_dict(state["disc"])
        nets.d_optimizer.load_state_dict(state["d_optimizer"])
    return state


# ---- figures and tables -------------------------------------------------------------------------------

MODE_LABEL = {"l1": "L1", "gan": "GAN + L1", "classify": "classification"}


def plot_history(history, mode, path, metrics=None):
    """Per epoch: the training loss, the evaluation PSNR and ab RMSE (with the two baselines as lines when
    ``metrics`` of ``evaluate`` are given), and in --gan mode both networks' adversarial losses."""
    plt = common.pyplot()
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    panels = 4 if mode == "gan" else 3
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 3.6))
    axes[0].plot(epochs, history["train_loss"], "o-", label=f"training {TRAIN_LOSS[mode]}")
    if mode != "classify":
        axes[0].plot(epochs, history["eval_loss"], "s-", label="evaluation L1")
    axes[0].set(xlabel="epoch", ylabel="loss", title=f"Loss ({MODE_LABEL[mode]})")
    axes[1].plot(epochs, history["psnr"], "s-", color="C2", label="model")
    axes[1].set(xlabel="epoch", ylabel="dB", title="Evaluation RGB PSNR")
    axes[2].plot(epochs, history["ab_rmse"], "s-", color="C3", label="model")
    axes[2].set(xlabel="epoch", ylabel="Lab units", title="Evaluation ab RMSE")
    for who, style in (("grey", ":"), ("mean", "--")) if metrics else ():
        baseline = mean_of(metrics, who)
        label = "grey baseline" if who == "grey" else "mean-colour baseline"
        axes[1].axhline(baseline["psnr"], color="gray", linestyle=style, label=label)
        axes[2].axhline(baseline["ab_rmse"], color="gray", linestyle=style, label=label)
    if mode == "gan":
        axes[3].plot(epochs, history["d_loss"], "o-", label="discriminator (BCE, real + fake)/2")
        axes[3].plot(epochs, history["g_gan"], "s-", label="generator's GAN term (BCE)")
        axes[3].set(xlabel="epoch", ylabel="BCE with logits", title="The two networks")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return common.save_figure(fig, path)


def shown_images(metrics, count=6):
    """Which evaluation images a figure shows: all if there are few, else the ``count`` // 2 where the model
    gains most over the grayscale baseline in ab RMSE and the ``count`` // 2 where it gains least."""
    gain = metrics["grey"]["ab_rmse"] - metrics["model"]["ab_rmse"]
    if len(gain) <= count + 2:
        return list(range(len(gain)))
    order = list(np.argsort(-gain, kind="stable"))
    return order[: count // 2] + order[-(count // 2) :]


def plot_rows(test, names, columns, rows, path):
    """A grid: one row per evaluation image in ``rows``, the grayscale input, then each (title, uint8 RGB
    images) column, then the ground truth."""
    plt = common.pyplot()
    grey = to_rgb(to_model_inputs(test)[0], np.zeros((len(test), 2) + test.shape[1:3], np.float32))
    columns = [("grayscale input", grey)] + list(columns) + [("ground truth", test)]
    fig, axes = plt.subplots(len(rows), len(columns), figsize=(2.4 * len(columns), 2.5 * len(rows)), squeeze=False)
    for r, i in enumerate(rows):
        for c, (title, images) in enumerate(columns):
            axes[r, c].imshow(images[i])
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
            if r == 0:
                axes[r, c].set_title(title, fontsize=9)
        axes[r, 0].set_ylabel(names[i], fontsize=8)
    return common.save_figure(fig, path)


def print_per_image(names, metrics):
    """One line per evaluation image: PSNR and ab RMSE of the model and the two baselines, colourfulness."""
    width = max(len("image"), *(len(n) for n in names))
    print(f"{'image':<{width}}  psnr dB model/grey/mean  ab_rmse model/grey/mean  colourfulness model/truth")
    m, g, c = metrics["model"], metrics["grey"], metrics["mean"]
    for i, name in enumerate(names):
        print(
            f"{name:<{width}}  {m['psnr'][i]:5.2f} /{g['psnr'][i]:6.2f} /{c['psnr'][i]:6.2f}   "
            f"{m['ab_rmse'][i]:5.2f} /{g['ab_rmse'][i]:6.2f} /{c['ab_rmse'][i]:6.2f}   "
            f"{m['colourfulness'][i]:5.1f} /{metrics['truth']['colourfulness'][i]:6.1f}"
        )


def print_comparison(names, models, truth):
    """A markdown table, one row per evaluation image and a mean row: each model's "PSNR / ab RMSE", then
    each model's colourfulness and the truth's."""
    header = " | ".join(f"{label} PSNR / ab RMSE" for label, _ in models)
    colour = " / ".join(label for label, _ in models[1:])
    print(f"| image | {header} | colourfulness {colour} / truth |")
    print("|---" * (len(models) + 2) + "|")
    rows = [(name, lambda m, i=i: m[i]) for i, name in enumerate(names)] + [("mean", np.mean)]
    for name, pick in rows:
        cells = " | ".join(f"{pick(m['psnr']):.2f} / {pick(m['ab_rmse']):.2f}" for _, m in models)
        colours = " / ".join(f"{pick(m['colourfulness']):.1f}" for _, m in models[1:])
        print(f"| {name} | {cells} | {colours} / {pick(truth['colourfulness']):.1f} |")


# ---- your own photos, and comparing models ------------------------------------------------------------


def load_model(path):
    """The generator of a checkpoint and its checkpoint dict (one clear line if the file is not one)."""
    state = common.load_checkpoint(path, ("config", "model"))
    config = state["config"]
    mode = config.get("mode", "l1")
    model = UNet(
        config["depth"], config["width"], config["dropout"], bins=len(bins.gamut_bins()) if mode == "classify" else 0
    )
    try:
        model.load_state_dict(state["model"])
    except (KeyError, ValueError, RuntimeError) as err:
        sys.exit(f"error: {path} does not hold this example's U-Net: {err}")
    return model, state


def colorize_files(args):
    """Colour each photo with the checkpoint: NAME_colorized.png and NAME_comparison.png in --out."""
    Image = common.require("PIL.Image", "pillow")
    model, _ = load_model(args.checkpoint)
    photos = [(path, read_photo(path)) for path in args.colorize]
    os.makedirs(args.out, exist_ok=True)
    for path, (rgb, grey) in photos:
        L, _ = to_model_inputs(rgb[None])
        coloured = to_rgb(L, colorize_L(model, L, args.temperature))[0]
        name = os.path.splitext(os.path.basename(path))[0]
        target = os.path.join(args.out, f"{name}_colorized.png")
        Image.fromarray(coloured).save(target)
        grey_rgb = to_rgb(L, np.zeros((1, 2) + L.shape[2:], np.float32))[0]
        panels = [grey_rgb, coloured] + ([] if grey else [rgb])
        Image.fromarray(np.concatenate(panels, axis=1)).save(os.path.join(args.out, f"{name}_comparison.png"))
        print(f"{path} -> {target}")
    return 0


def compare_checkpoints(args):
    """Evaluate several checkpoints (trained on the same data) on the same images: a table of the mean
    metrics and one figure with a column per model."""
    loaded = [(path,) + load_model(path) for path in args.compare]
    data_keys = ("data", "images", "test_images", "eval_size")
    first = loaded[0][2]["config"]
    for path, _, state in loaded[1:]:
        if any(state["config"].get(k) != first.get(k) for k in data_keys):
            sys.exit(
                f"error: {path} was evaluated on other images than {loaded[0][0]} "
                f"(--data/--images/--test-images/--eval-size differ); compare checkpoints of the same data"
            )
    data_args = argparse.Namespace(crop=1, **{k: first.get(k) for k in data_keys})
    _, test, names, _ = load_photos(data_args)  # the evaluation images only: no Lab crops of the training set
    columns, summary, per_model, rows = [], [], [], None
    for path, model, state in loaded:
        metrics, rgb = evaluate(model, test, state.get("mean_ab", np.zeros(2, np.float32)), args.temperature)
        label = MODE_LABEL[state["config"].get("mode", "l1")]
        means = mean_of(metrics, "model")
        print(
            f"{label:>14} ({path}): psnr {means['psnr']:.2f} dB, ab_rmse {means['ab_rmse']:.2f}, "
            f"colourfulness {means['colourfulness']:.1f}"
        )
        columns.append((label, rgb))
        per_model.append((label, metrics["model"]))
        summary.append(f"{label} ab_rmse {means['ab_rmse']:.2f} colourfulness {means['colourfulness']:.1f}")
        rows = shown_images(metrics) if rows is None else rows
    print_comparison(names, [("grey", metrics["grey"])] + per_model, metrics["truth"])
    grey = mean_of(metrics, "grey")
    if not args.no_plots:
        print("figure: " + plot_rows(test, names, columns, rows, os.path.join(args.out, "colorize_compare.png")))
    print(
        f"compare: {' | '.join(summary)} (grey ab_rmse {grey['ab_rmse']:.2f}, truth colourfulness "
        f"{mean_of(metrics, 'truth')['colourfulness']:.1f})"
    )
    return 0


# ---- main ---------------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=common.DefaultsHelpFormatter)
    loss = p.add_mutually_exclusive_group()
    loss.add_argument(
        "--gan",
        dest="mode",
        action="store_const",
        const="gan",
        help="pix2pix: add a PatchGAN discriminator; generator loss GAN + lambda x L1",
    )
    loss.add_argument(
        "--classify",
        dest="mode",
        action="store_const",
        const="classify",
        help="Zhang et al.: cross-entropy over ab bins, rebalanced, annealed-mean decoding",
    )
    p.add_argument("--epochs", type=int, default=10, help="epochs of --steps-per-epoch batches")
    p.add_argument("--steps-per-epoch", type=int, default=400, help="batches of random crops per epoch")
    p.add_argument("--batch-size", type=int, default=16, help="crops per Adam step")
    p.add_argument("--crop", type=int, default=64, help="side of the random training crops")
    p.add_argument("--lr", type=float, default=2e-4, help="Adam's learning rate (betas 0.5, 0.999)")
    p.add_argument(
        "--decay-epochs",
        type=int,
        help="last epochs over which the learning rate falls linearly "
        "towards 0, as in pix2pix (default: half of --epochs)",
    )
    p.add_argument("--depth", type=int, default=4, help="U-Net levels (inputs must divide by 2**depth)")
    p.add_argument("--width", type=int, default=32, help="channels of the first level (and of the discriminator)")
    p.add_argument("--dropout", type=float, default=0.5, help="dropout of the innermost up blocks")
    p.add_argument("--lambda-l1", type=float, default=100.0, help="--gan: weight of the L1 term")
    p.add_argument(
        "--d-layers", type=int, default=2, help="--gan: stride-2 layers of the PatchGAN (2: 34x34 patches, 3: 70x70)"
    )
    p.add_argument(
        "--temperature",
        type=float,
        default=bins.TEMPERATURE,
        help="--classify: annealed-mean temperature (1 = mean, towards 0 = mode)",
    )
    p.add_argument(
        "--eval-size",
        type=int,
        default=SHORT_SIDE,
        help="side of the evaluation photos' centre squares (bundled/folder); at 256 they have the "
        "scale of the training photos",
    )
    p.add_argument("--seed", type=int, default=0, help="seeds initialisation, crops, flips and dropout")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--data", help="an npz with train and test uint8 (N, H, W, 3) arrays")
    source.add_argument("--images", metavar="DIR", help="a folder of your colour JPEG/PNG photos (90/10 split)")
    p.add_argument(
        "--test-images",
        metavar="DIR",
        help="a folder of photos to evaluate on instead (then all of the training source is used for training)",
    )
    p.add_argument("--out", default="runs/colorize", help="directory for the checkpoint and the figures")
    p.add_argument("--checkpoint", help="default: OUT/unet.ckpt")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint (same trajectory)")
    p.add_argument(
        "--stop-after",
        type=int,
        default=0,
        metavar="N",
        help="train only N epochs in this run (then --resume continues)",
    )
    p.add_argument("--colorize", nargs="+", metavar="FILE", help="colour your own photos with the checkpoint")
    p.add_argument("--compare", nargs="+", metavar="CKPT", help="evaluate checkpoints side by side (one figure)")
    p.add_argument("--no-plots", action="store_true", help="skip the figures")
    args = p.parse_args(argv)
    args.mode = args.mode or "l1"
    args.checkpoint = args.checkpoint or os.path.join(args.out, "unet.ckpt")
    args.decay_epochs = args.epochs // 2 if args.decay_epochs is None else args.decay_epochs
    for name in ("epochs", "batch_size", "steps_per_epoch", "depth", "width", "d_layers"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 <= args.decay_epochs <= args.epochs:
        p.error(f"--decay-epochs must be between 0 and --epochs ({args.epochs}), got {args.decay_epochs}")
    if args.temperature <= 0:
        p.error(f"--temperature must be positive, got {args.temperature}")
    for name in ("crop", "eval_size"):
        if getattr(args, name) % 2**args.depth:
            p.error(f"--{name.replace('_', '-')} {getattr(args, name)} must be divisible by 2**depth = {2**args.depth}")
    return args


def report(args, state, nets, crops, test, names, seconds):
    """Figures, the per-image table, the baselines and the machine-readable last line."""
    metrics, colourings = evaluate(nets.model, test, crops.mean_ab, args.temperature)
    if not args.no_plots:
        label = MODE_LABEL[args.mode]
        paths = [
            plot_history(state["history"], args.mode, os.path.join(args.out, "colorize_curves.png"), metrics),
            plot_rows(
                test,
                names,
                [(f"predicted ({label})", colourings)],
                shown_images(metrics),
                os.path.join(args.out, "colorize_examples.png"),
            ),
        ]
        print("figures: " + ", ".join(paths))
    print_per_image(names, metrics)
    model, grey, mean = mean_of(metrics, "model"), mean_of(metrics, "grey"), mean_of(metrics, "mean")
    print(
        f"mean-colour baseline: psnr {mean['psnr']:.2f} dB, ab_rmse {mean['ab_rmse']:.2f}, "
        f"colourfulness {mean['colourfulness']:.1f}"
    )
    print(
        f"colorize: psnr {model['psnr']:.2f} dB (grey {grey['psnr']:.2f}), ab_rmse {model['ab_rmse']:.2f} "
        f"(grey {grey['ab_rmse']:.2f}), colourfulness {model['colourfulness']:.1f} "
        f"(truth {mean_of(metrics, 'truth')['colourfulness']:.1f}), {seconds:.0f} s"
    )


def main(argv=None):
    args = parse_args(argv)
    if args.colorize:
        return colorize_files(args)
    if args.compare:
        return compare_checkpoints(args)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill saves like Ctrl-C
    al.manual_seed(args.seed)
    crops, test, names, name = load_data(args)
    nets = Nets(args, crops)
    state = start_state(args, nets)
    parameters = sum(p.numel() for p in nets.model.parameters())
    print(
        f"U-Net (depth {args.depth}, width {args.width}, {MODE_LABEL[args.mode]}) on {name}: {len(crops)} "
        f"training images, {len(test)} evaluation images of {test.shape[1]}x{test.shape[2]}; "
        f"{parameters:,} parameters",
        flush=True,
    )
    try:
        seconds = run_training(args, nets, crops, test, state)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: the checkpoint {args.checkpoint} holds the last finished epoch; "
            "--resume continues from there",
            file=sys.stderr,
        )
        return 130
    report(args, state, nets, crops, test, names, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
