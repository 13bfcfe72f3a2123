"""Colour grayscale photos with a U-Net (pix2pix's generator) trained on the L -> ab channels of Lab images.

    pip install -e ".[examples]" && python examples/colorize.py          # scikit-image's bundled photos
    python examples/colorize.py --data ../shared/data/photos.npz          # an npz with train/test arrays
    python examples/colorize.py --images ~/Pictures                       # a folder of your own photos
    python examples/colorize.py --colorize old_photo.jpg                  # colour photos with the checkpoint

The network sees L/50 - 1 and predicts ab/110 (tanh), trained with L1 on ab by Adam on random crops with
random horizontal flips. Evaluation compares it with the grayscale baseline (ab = 0) and a mean-colour
baseline (the training set's mean ab everywhere). The last line printed is
``colorize: psnr 23.41 dB (grey 20.65), ab_rmse 11.02 (grey 15.80), colourfulness 38.2 (truth 51.6), 583 s``.
"""

import argparse
import os
import signal
import sys

import numpy as np

import autograd_lite as al
import nn
import nn.functional as F
import optim
from autograd_lite.creation import numpy_generator

if __package__ in (None, ""):  # run as a script: make the examples package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from examples import _common as common  # noqa: E402

L_SCALE, AB_SCALE = 50.0, 110.0  # network input L/50 - 1 in [-1, 1]; target ab/110 in about [-1, 1]
TRAIN_PHOTOS = ("astronaut", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry", "retina")
HELD_OUT_PHOTO = "chelsea"  # skimage.data.cat() is the same photo, so the cat is held out entirely
SHORT_SIDE = 256  # bundled and folder photos are scaled so their shorter side is this (crops then show objects)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


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
    return 10.0 * np.log10(255.0 ** 2 / np.maximum(mse, 1e-10))


# ---- the generator ------------------------------------------------------------------------------------

def down_block(in_channels, out_channels, norm):
    """Halve the resolution: a 4x4 stride-2 convolution, BatchNorm (unless ``norm`` is False), LeakyReLU(0.2)."""
    layers = [nn.Conv2d(in_channels, out_channels, 4, stride=2, padding=1, bias=not norm)]
    if norm:
        layers.append(nn.BatchNorm2d(out_channels))
    return nn.Sequential(*layers, nn.LeakyReLU(0.2))


def up_block(in_channels, out_channels, dropout):
    """Double the resolution: a 4x4 stride-2 transposed convolution, BatchNorm, Dropout (if any), ReLU."""
    layers = [nn.ConvTranspose2d(in_channels, out_channels, 4, stride=2, padding=1, bias=False),
              nn.BatchNorm2d(out_channels)]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.ReLU())


class UNet(nn.Module):
    """pix2pix's U-Net generator: ``depth`` down blocks (``width`` channels doubling per level, at most 8x),
    up blocks that concatenate the matching down block's output (skip connections), and a last transposed
    convolution to ``out_channels`` with tanh. The two innermost up blocks use dropout. Input height and width
    must be divisible by 2**depth; otherwise ``forward`` raises a ValueError naming the size and the depth."""

    def __init__(self, depth=4, width=32, dropout=0.5, in_channels=1, out_channels=2):
        super().__init__()
        if depth < 1:
            raise ValueError(f"UNet: depth must be at least 1, got {depth}")
        self.depth = depth
        channels = [width * 2 ** min(i, 3) for i in range(depth)]
        self.downs = nn.Sequential(*[down_block(in_channels if i == 0 else channels[i - 1], channels[i], i > 0)
                                     for i in range(depth)])
        self.ups = nn.Sequential(*[up_block(channels[i] * (1 if i == depth - 1 else 2), channels[i - 1],
                                            dropout if i >= depth - 2 else 0.0)
                                   for i in range(depth - 1, 0, -1)])
        self.last = nn.ConvTranspose2d(channels[0] * (2 if depth > 1 else 1), out_channels, 4, stride=2,
                                       padding=1)
        self.apply(init_weights)

    def forward(self, x):
        """(N, in_channels, H, W) -> (N, out_channels, H, W) in (-1, 1)."""
        height, width = x.shape[-2:]
        if height % 2 ** self.depth or width % 2 ** self.depth:
            raise ValueError(f"UNet: input size {height}x{width} is not divisible by 2**depth = "
                             f"{2 ** self.depth} (depth {self.depth}); pad or crop it")
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
        for up, skip in zip(self.ups, reversed(skips[:-1])):
            x = al.cat([up(x), skip], dim=1)
        return al.tanh(self.last(x))


def init_weights(module):
    """pix2pix's initialisation: convolution weights N(0, 0.02), BatchNorm weights N(1, 0.02), biases 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def colorize_L(model, L_scaled):
    """Scaled ab (N, 2, H, W) for scaled L of any size: reflection-padded to a multiple of 2**depth, run in
    eval mode without a graph, cropped back."""
    height, width = L_scaled.shape[-2:]
    multiple = 2 ** model.depth
    pad_h, pad_w = -height % multiple, -width % multiple
    mode = "reflect" if min(height, width) > 1 else "edge"
    padded = np.pad(L_scaled, ((0, 0), (0, 0), (0, pad_h), (0, pad_w)), mode=mode)
    was_training = model.training
    model.eval()
    with al.no_grad():
        ab = np.concatenate([model(al.tensor(padded[i:i + 8])).numpy() for i in range(0, len(padded), 8)])
    model.train(was_training)
    return ab[:, :, :height, :width]


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
            self.lab[i, :, :im.shape[0], :im.shape[1]] = np.concatenate([L, ab], axis=1)[0]
            total += ab[0].sum(axis=(1, 2))
            pixels += im.shape[0] * im.shape[1]
        self.mean_ab = (total / pixels).astype(np.float32)  # scaled, for the mean-colour baseline

    def __len__(self):
        return len(self.lab)

    def crop(self, index, top, left, flip, size):
        """Crops (n, 3, size, size) of images ``index`` at (top, left), mirrored left-right where ``flip``."""
        offsets = np.arange(size)
        rows = top[:, None] + offsets
        cols = left[:, None] + offsets
        cols = np.where(flip[:, None], cols[:, ::-1], cols)
        return self.lab[index[:, None, None, None], np.arange(3)[None, :, None, None], rows[:, None, :, None],
                        cols[:, None, None, :]]

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
    square = image[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    resized = _skimage("transform").resize(square, (side, side), anti_aliasing=True)
    return np.clip(np.round(resized * 255), 0, 255).astype(np.uint8)


def bundled_photos():
    """scikit-image's colour photos: (training list, evaluation list); the right view of the motorcycle and
    the cat are held out."""
    data = _skimage("data")
    left, right, _ = data.stereo_motorcycle()
    return [getattr(data, name)() for name in TRAIN_PHOTOS] + [left], [right, getattr(data, HELD_OUT_PHOTO)()]


def load_npz(path):
    """``train`` and ``test`` uint8 (N, H, W, 3) arrays of an npz, or one line saying what is wrong."""
    try:
        with np.load(path) as archive:
            train, test = archive["train"], archive["test"]
    except (OSError, ValueError, KeyError) as err:
        sys.exit(f"error: cannot read train/test images from {path}: {err}")
    for name, array in (("train", train), ("test", test)):
        if array.ndim != 4 or array.shape[-1] != 3 or array.dtype != np.uint8 or len(array) == 0:
            sys.exit(f"error: {path}: '{name}' must be a non-empty uint8 array (N, H, W, 3), got "
                     f"{array.dtype} {array.shape}")
    return list(train), test


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


def folder_photos(folder):
    """The colour photos of ``folder`` split 90/10 into (training, evaluation); grayscale ones are skipped."""
    if not os.path.isdir(folder):
        sys.exit(f"error: no folder at {folder}")
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(IMAGE_SUFFIXES))
    photos, skipped = [], []
    for name in names:
        rgb, grey = read_photo(os.path.join(folder, name))
        if grey:
            skipped.append(name)
        else:
            photos.append(rgb)
    if skipped:
        print(f"skipping {len(skipped)} grayscale photo(s) of {folder}: {', '.join(skipped[:5])}"
              f"{' ...' if len(skipped) > 5 else ''}", file=sys.stderr)
    if len(photos) < 2:
        sys.exit(f"error: {folder} has {len(photos)} colour photo(s) (JPEG/PNG); at least 2 are needed")
    held_out = max(1, len(photos) // 10)
    order = np.random.default_rng(0).permutation(len(photos))
    return [photos[i] for i in order[held_out:]], [photos[i] for i in order[:held_out]]


def load_data(args):
    """(Crops of the training photos, evaluation uint8 RGB (M, H, W, 3), a name for the data)."""
    if args.data:
        train, test = load_npz(args.data)
        name = os.path.basename(args.data)
    else:
        train, evaluation = folder_photos(args.images) if args.images else bundled_photos()
        train = [shorter_side(im, SHORT_SIDE) for im in train]
        test = np.stack([centre_square(im, args.eval_size) for im in evaluation])
        name = args.images or "scikit-image's photos"
    small = [im.shape[:2] for im in train if min(im.shape[:2]) < args.crop]
    if small:
        sys.exit(f"error: --crop {args.crop} is larger than a training image of {small[0][0]}x{small[0][1]}")
    return Crops(train), test, name


# ---- training -----------------------------------------------------------------------------------------

def build(args):
    """The generator and its Adam optimizer (pix2pix's lr 2e-4, betas (0.5, 0.999))."""
    model = UNet(args.depth, args.width, args.dropout)
    return model, optim.Adam(model.parameters(), lr=args.lr, betas=(0.5, 0.999))


def l1_step(model, optimizer, L, ab):
    """One Adam step of the L1 loss between predicted and true scaled ab; returns the loss (the place where
    a GAN or classification loss would join it)."""
    loss = F.l1_loss(model(al.tensor(L)), al.tensor(ab))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def train_epoch(model, optimizer, crops, args, bar_label):
    """``--steps-per-epoch`` training steps over random crops; returns the mean loss."""
    model.train()
    rng = numpy_generator(None, "colorize")
    total = 0.0
    bar = common.progress(range(args.steps_per_epoch), desc=bar_label, unit="batch", leave=False)
    for step in bar:
        L, ab = crops.sample(args.batch_size, args.crop, rng)
        total += l1_step(model, optimizer, L, ab)
        bar.set_postfix(loss=f"{total / (step + 1):.4f}")
    return total / args.steps_per_epoch


def evaluate(model, test, mean_ab):
    """Metrics (per-image means: RGB PSNR, ab RMSE in Lab units, L1 on scaled ab, colourfulness) of the
    model and the grayscale and mean-colour baselines on uint8 RGB ``test``, and the model's colourings."""
    L, ab = to_model_inputs(test)
    predicted = colorize_L(model, L)
    candidates = {"model": predicted, "grey": np.zeros_like(ab),
                  "mean": np.broadcast_to(mean_ab[None, :, None, None], ab.shape)}
    metrics = {"truth_colourfulness": float(colourfulness(test).mean())}
    for name, guess in candidates.items():
        rgb = to_rgb(L, guess)
        metrics[name] = {"psnr": float(psnr(rgb, test).mean()),
                         "ab_rmse": float(np.sqrt(((guess - ab) ** 2).mean(axis=(1, 2, 3))).mean() * AB_SCALE),
                         "l1": float(np.abs(guess - ab).mean()), "colourfulness": float(colourfulness(rgb).mean())}
        if name == "model":
            colourings = rgb
    return metrics, colourings


def run_training(args, model, optimizer, crops, test, state):
    """Train for the remaining epochs, evaluating and checkpointing each; Ctrl-C leaves the last finished
    epoch's checkpoint in place and stops."""
    history, watch = state["history"], common.Stopwatch(state["seconds"])
    last = args.epochs if not args.stop_after else min(args.epochs, state["epoch"] + args.stop_after)
    for epoch in range(state["epoch"], last):
        train_loss = train_epoch(model, optimizer, crops, args, f"epoch {epoch + 1}/{args.epochs}")
        metrics, _ = evaluate(model, test, crops.mean_ab)
        for key, value in (("train_loss", train_loss), ("eval_loss", metrics["model"]["l1"]),
                           ("psnr", metrics["model"]["psnr"]), ("ab_rmse", metrics["model"]["ab_rmse"])):
            history[key].append(value)
        print(f"epoch {epoch + 1:3d}: train L1 {train_loss:.4f} | evaluation L1 {metrics['model']['l1']:.4f} "
              f"psnr {metrics['model']['psnr']:.2f} dB ab_rmse {metrics['model']['ab_rmse']:.2f} | "
              f"{watch.elapsed():.1f} s", flush=True)
        common.save_checkpoint(args.checkpoint, config=_config(args), model=model.state_dict(),
                               optimizer=optimizer.state_dict(), epoch=epoch + 1, history=history,
                               seconds=watch.elapsed(), rng=al.get_rng_state(), mean_ab=crops.mean_ab)
    return watch.elapsed()


def _config(args):
    """The flags that define the trajectory: a resume must use the same ones."""
    keys = ("depth", "width", "dropout", "lr", "batch_size", "crop", "steps_per_epoch", "seed", "epochs",
            "data", "images", "eval_size")
    return {k: getattr(args, k) for k in keys}


def start_state(args, model, optimizer):
    """A fresh start, or the state of the checkpoint being resumed (model, optimizer, RNG restored)."""
    keys = ("train_loss", "eval_loss", "psnr", "ab_rmse")
    if not args.resume:
        return {"epoch": 0, "seconds": 0.0, "history": {k: [] for k in keys}}
    return common.resume(args.checkpoint, _config(args), keys, model, optimizer)


# ---- figures ------------------------------------------------------------------------------------------

def plot_history(history, path):
    """Training and evaluation L1 per epoch."""
    plt = common.pyplot()
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(epochs, history["train_loss"], "o-", label="training (during the epoch)")
    left.plot(epochs, history["eval_loss"], "s-", label="evaluation images")
    left.set(xlabel="epoch", ylabel="L1 on ab/110", title="Loss")
    right.plot(epochs, history["psnr"], "s-", label="evaluation images")
    right.set(xlabel="epoch", ylabel="RGB PSNR (dB)", title="PSNR")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend()
    return common.save_figure(fig, path)


def plot_colourings(test, colourings, path, count=8):
    """Rows of grayscale input | predicted | ground truth for the first evaluation images."""
    plt = common.pyplot()
    n = min(count, len(test))
    fig, axes = plt.subplots(n, 3, figsize=(7.5, 2.5 * n), squeeze=False)
    grey = to_rgb(to_model_inputs(test[:n])[0], np.zeros((n, 2) + test.shape[1:3], np.float32))
    for row, images in enumerate(zip(grey, colourings[:n], test[:n])):
        for ax, image, title in zip(axes[row], images, ("grayscale input", "predicted", "ground truth")):
            ax.imshow(image)
            ax.axis("off")
            if row == 0:
                ax.set_title(title)
    return common.save_figure(fig, path)


# ---- your own photos ----------------------------------------------------------------------------------

def colorize_files(args):
    """Colour each photo with the checkpoint: NAME_colorized.png and NAME_comparison.png in --out."""
    Image = common.require("PIL.Image", "pillow")
    state = common.load_checkpoint(args.checkpoint, ("config", "model"))
    config = state["config"]
    model = UNet(config["depth"], config["width"], config["dropout"])
    model.load_state_dict(state["model"])
    photos = [(path, read_photo(path)) for path in args.colorize]
    os.makedirs(args.out, exist_ok=True)
    for path, (rgb, grey) in photos:
        L, _ = to_model_inputs(rgb[None])
        coloured = to_rgb(L, colorize_L(model, L))[0]
        name = os.path.splitext(os.path.basename(path))[0]
        target = os.path.join(args.out, f"{name}_colorized.png")
        Image.fromarray(coloured).save(target)
        grey_rgb = to_rgb(L, np.zeros((1, 2) + L.shape[2:], np.float32))[0]
        panels = [grey_rgb, coloured] + ([] if grey else [rgb])
        Image.fromarray(np.concatenate(panels, axis=1)).save(os.path.join(args.out, f"{name}_comparison.png"))
        print(f"{path} -> {target}")
    return 0


# ---- main ---------------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=common.DefaultsHelpFormatter)
    p.add_argument("--epochs", type=int, default=10, help="epochs of --steps-per-epoch batches")
    p.add_argument("--steps-per-epoch", type=int, default=400, help="batches of random crops per epoch")
    p.add_argument("--batch-size", type=int, default=16, help="crops per Adam step")
    p.add_argument("--crop", type=int, default=64, help="side of the random training crops")
    p.add_argument("--lr", type=float, default=2e-4, help="Adam's learning rate (betas 0.5, 0.999)")
    p.add_argument("--depth", type=int, default=4, help="U-Net levels (inputs must divide by 2**depth)")
    p.add_argument("--width", type=int, default=32, help="channels of the first level")
    p.add_argument("--dropout", type=float, default=0.5, help="dropout of the innermost up blocks")
    p.add_argument("--eval-size", type=int, default=128, help="side of the evaluation images (bundled/folder)")
    p.add_argument("--seed", type=int, default=0, help="seeds initialisation, crops, flips and dropout")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--data", help="an npz with train and test uint8 (N, H, W, 3) arrays")
    source.add_argument("--images", metavar="DIR", help="a folder of your colour JPEG/PNG photos (90/10 split)")
    p.add_argument("--out", default="runs/colorize", help="directory for the checkpoint and the figures")
    p.add_argument("--checkpoint", help="default: OUT/unet.ckpt")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint (same trajectory)")
    p.add_argument("--stop-after", type=int, default=0, metavar="N",
                   help="train only N epochs in this run (then --resume continues)")
    p.add_argument("--colorize", nargs="+", metavar="FILE", help="colour your own photos with the checkpoint")
    p.add_argument("--no-plots", action="store_true", help="skip the figures")
    args = p.parse_args(argv)
    args.checkpoint = args.checkpoint or os.path.join(args.out, "unet.ckpt")
    for name in ("epochs", "batch_size", "steps_per_epoch", "depth", "width"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("crop", "eval_size"):
        if getattr(args, name) % 2 ** args.depth:
            p.error(f"--{name.replace('_', '-')} {getattr(args, name)} must be divisible by 2**depth = "
                    f"{2 ** args.depth}")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.colorize:
        return colorize_files(args)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill saves like Ctrl-C
    al.manual_seed(args.seed)
    crops, test, name = load_data(args)
    model, optimizer = build(args)
    state = start_state(args, model, optimizer)
    print(f"U-Net (depth {args.depth}, width {args.width}) on {name}: {len(crops)} training images, "
          f"{len(test)} evaluation images of {test.shape[1]}x{test.shape[2]}; "
          f"{sum(p.numel() for p in model.parameters()):,} parameters", flush=True)
    try:
        seconds = run_training(args, model, optimizer, crops, test, state)
    except KeyboardInterrupt:
        print(f"\ninterrupted: the checkpoint {args.checkpoint} holds the last finished epoch; "
              "--resume continues from there", file=sys.stderr)
        return 130
    metrics, colourings = evaluate(model, test, crops.mean_ab)
    if not args.no_plots:
        paths = [plot_history(state["history"], os.path.join(args.out, "colorize_curves.png")),
                 plot_colourings(test, colourings, os.path.join(args.out, "colorize_examples.png"))]
        print("figures: " + ", ".join(paths))
    model_m, grey, mean = metrics["model"], metrics["grey"], metrics["mean"]
    print(f"mean-colour baseline: psnr {mean['psnr']:.2f} dB, ab_rmse {mean['ab_rmse']:.2f}, "
          f"colourfulness {mean['colourfulness']:.1f}")
    print(f"colorize: psnr {model_m['psnr']:.2f} dB (grey {grey['psnr']:.2f}), ab_rmse {model_m['ab_rmse']:.2f} "
          f"(grey {grey['ab_rmse']:.2f}), colourfulness {model_m['colourfulness']:.1f} "
          f"(truth {metrics['truth_colourfulness']:.1f}), {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
