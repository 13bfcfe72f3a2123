"""Convolution as an image filter: ``F.conv2d`` with a 3x3 and a 9x9 box blur, the Laplacian and a Sobel
kernel on a photograph, checked against scipy. ``F.conv2d`` is a cross-correlation (as torch's): it equals
``scipy.ndimage.correlate`` with the kernel as given, and a true convolution (``scipy.ndimage.convolve``)
only with the kernel flipped in both axes, which the asymmetric Sobel kernel makes visible (unflipped,
its edges come out negated). Its gradient with respect to the image is the true convolution.

    python -m examples.lab convolution                     # scikit-image's camera man, 512 x 512
    python -m examples.lab convolution --image astronaut   # the astronaut, in grey
    python -m examples.lab convolution --quick             # the image subsampled to 128 x 128

The photograph (``skimage.data``) is turned into float64 grey values in [0, 1] and filtered with zero
padding (``padding='same'``), which is scipy's ``mode='constant', cval=0``, so the outputs are compared on
the full image. Printed for each kernel: the largest |F.conv2d - correlate| and |F.conv2d - convolve with
the flipped kernel| (float64 rounding, ~1e-16), for the Sobel kernel also |F.conv2d - convolve unflipped|
(large) and, after ``backward()`` of sum(g * F.conv2d(x)), the largest |x.grad - convolve(g, kernel)|. The
last line reads ``lab convolution: F.conv2d = scipy.ndimage.correlate to 2.0e-15 on 4 kernels (camera
512x512), = convolve with the flipped kernel to 2.0e-15, Sobel unflipped differs by 7.4, 1.8 s``. The figure
shows a 40% detail of the image, the edge maps with 0 as mid-grey.
"""

import os

import numpy as np

import autograd_lite as al
import nn.functional as F
from examples import _common as common

NAME = "convolution"
TITLE = "convolution as an image filter: F.conv2d is a cross-correlation (scipy's correlate, not convolve)"
KERNELS = {
    "box 3x3": np.full((3, 3), 1 / 9),
    "box 9x9": np.full((9, 9), 1 / 81),
    "Laplacian": np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]),
    "Sobel x": np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
}
ASYMMETRIC = "Sobel x"
IMAGES = ("camera", "astronaut")
DETAIL = {"camera": (0.08, 0.48, 0.26, 0.66), "astronaut": (0.04, 0.44, 0.3, 0.7)}  # shown: rows, columns
QUICK_STRIDE = 4


def add_arguments(parser):
    parser.add_argument("--image", choices=IMAGES, default="camera", help="the scikit-image photograph")


def photograph(name, quick):
    """The photograph as float64 grey values in [0, 1] (subsampled by 4 with --quick)."""
    data = common.require("skimage.data", "scikit-image")
    image = getattr(data, name)()
    if image.ndim == 3:
        image = common.require("skimage.color", "scikit-image").rgb2gray(image[..., :3])
    image = image.astype(np.float64)
    if image.max() > 1.0:
        image = image / 255.0
    return image[::QUICK_STRIDE, ::QUICK_STRIDE] if quick else image


def conv2d(image, kernel):
    """F.conv2d of a 2-D image with one 2-D kernel, zero padding to the same size."""
    with al.no_grad():
        out = F.conv2d(al.tensor(image[None, None]), al.tensor(kernel[None, None]), padding="same")
    return out.numpy()[0, 0]


def input_gradient(image, kernel, g):
    """d/dx of sum(g * F.conv2d(x, kernel)) at x = image, by backward()."""
    x = al.tensor(image[None, None], requires_grad=True)
    out = F.conv2d(x, al.tensor(kernel[None, None]), padding="same")
    (out * al.tensor(g[None, None])).sum().backward()
    return x.grad.numpy()[0, 0]


def compare(image, rng):
    """Each kernel's output and its differences from scipy; the Sobel kernel's flip and gradient checks."""
    ndimage = common.require("scipy.ndimage", "scipy")
    results = {}
    for name, kernel in common.progress(KERNELS.items(), desc="kernels", leave=False):
        out = conv2d(image, kernel)
        results[name] = {
            "output": out,
            "correlate": float(np.abs(out - ndimage.correlate(image, kernel, mode="constant", cval=0.0)).max()),
            "flipped": float(
                np.abs(out - ndimage.convolve(image, kernel[::-1, ::-1], mode="constant", cval=0.0)).max()
            ),
        }
    sobel = results[ASYMMETRIC]
    kernel = KERNELS[ASYMMETRIC]
    sobel["true_convolution"] = ndimage.convolve(image, kernel, mode="constant", cval=0.0)
    sobel["unflipped"] = float(np.abs(sobel["output"] - sobel["true_convolution"]).max())
    sobel["negated"] = float(np.abs(sobel["output"] + sobel["true_convolution"]).max())
    g = rng.standard_normal(image.shape)
    sobel["gradient"] = float(
        np.abs(input_gradient(image, kernel, g) - ndimage.convolve(g, kernel, mode="constant", cval=0.0)).max()
    )
    return results


def run(args):
    watch = common.Stopwatch()
    al.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    image = photograph(args.image, args.quick)
    size = f"{image.shape[0]}x{image.shape[1]}"
    print(f"{args.image} photograph in grey, float64 in [0, 1], {size}; zero padding ('same'), seed {args.seed}")
    results = compare(image, rng)
    for name, r in results.items():
        print(
            f"{name:>9}: max |F.conv2d - ndimage.correlate| {r['correlate']:.1e}, "
            f"max |F.conv2d - ndimage.convolve(flipped kernel)| {r['flipped']:.1e}",
            flush=True,
        )
    sobel = results[ASYMMETRIC]
    print(
        f"{ASYMMETRIC:>9}: max |F.conv2d - ndimage.convolve(kernel unflipped)| {sobel['unflipped']:.2f} (the flipped "
        f"Sobel kernel is its negative: max |F.conv2d + convolve| {sobel['negated']:.1e})"
    )
    print(
        f"{ASYMMETRIC:>9}: gradient of sum(g * F.conv2d(x)) w.r.t. x vs ndimage.convolve(g, kernel): max difference "
        f"{sobel['gradient']:.1e} (the backward pass of a cross-correlation is the true convolution)",
        flush=True,
    )
    figures = [] if args.no_plots else [plot(args, image, results)]
    for path in figures:
        print(f"figure: {path}")
    worst = {key: max(r[key] for r in results.values()) for key in ("correlate", "flipped")}
    line = (
        f"lab convolution: F.conv2d = scipy.ndimage.correlate to {worst['correlate']:.1e} on {len(KERNELS)} kernels "
        f"({args.image} {size}), = convolve with the flipped kernel to {worst['flipped']:.1e}, Sobel unflipped "
        f"differs by {sobel['unflipped']:.2g}, {watch.elapsed():.1f} s"
    )
    print(line, flush=True)
    return {
        "line": line,
        "figures": figures,
        "correlate": {n: r["correlate"] for n, r in results.items()},
        "flipped": {n: r["flipped"] for n, r in results.items()},
        "unflipped": sobel["unflipped"],
        "negated": sobel["negated"],
        "gradient": sobel["gradient"],
        "outputs": {n: r["output"] for n, r in results.items()},
        "image": image,
    }


def detail(name, shape):
    """The part of the image the figure shows (40% of its height and width), as (row, column) slices."""
    top, bottom, left, right = DETAIL[name]
    return slice(round(top * shape[0]), round(bottom * shape[0])), slice(
        round(left * shape[1]), round(right * shape[1])
    )


def show_kernel(ax, kernel):
    """A small kernel's numbers in an inset at the panel's corner."""
    inset = ax.inset_axes([0.0, 0.0, 0.26, 0.26])
    inset.imshow(kernel, cmap="coolwarm", vmin=-2 * np.abs(kernel).max(), vmax=2 * np.abs(kernel).max())
    for (i, j), value in np.ndenumerate(kernel):
        inset.text(j, i, f"{value:g}", ha="center", va="center", fontsize=7)
    inset.set(xticks=[], yticks=[])


def plot(args, image, results):
    """The photograph and the five filtered images (the Sobel kernel both ways) in one figure."""
    plt = common.pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(8.4, 7.0))
    sobel = results[ASYMMETRIC]
    panels = [("input: " + args.image, image, None, None)]
    for name, r in results.items():
        title = f"F.conv2d, {name}" + (" (cross-correlation)" if name == ASYMMETRIC else "")
        panels.append((f"{title}\n= ndimage.correlate to {r['correlate']:.0e}", r["output"], name, KERNELS[name]))
    panels.append(
        (
            f"ndimage.convolve, {ASYMMETRIC} unflipped (true\nconvolution: the inset's flipped kernel) = -F.conv2d",
            sobel["true_convolution"],
            ASYMMETRIC,
            KERNELS[ASYMMETRIC][::-1, ::-1],
        )
    )
    rows, columns = detail(args.image, image.shape)
    for ax, (title, picture, name, kernel) in zip(axes.ravel(), panels):
        picture = picture[rows, columns]
        if name in ("Laplacian", ASYMMETRIC):
            scale = float(np.percentile(np.abs(picture), 99.5))
            ax.imshow(picture, cmap="gray", vmin=-scale, vmax=scale, interpolation="nearest")
        else:
            ax.imshow(picture, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
        if name in ("Laplacian", ASYMMETRIC):
            show_kernel(ax, kernel)
        ax.set_title(title, fontsize=9)
        ax.set(xticks=[], yticks=[])
    fig.suptitle(
        f"convolution as an image filter: F.conv2d (zero padding, 'same') against scipy.ndimage\non the "
        f"{image.shape[0]}x{image.shape[1]} image; shown: rows {rows.start}-{rows.stop}, columns "
        f"{columns.start}-{columns.stop}; edge maps: 0 is mid-grey",
        fontsize=10,
    )
    fig.tight_layout(h_pad=2.0)
    return compact(common.save_figure(fig, os.path.join(args.out, f"lab_{NAME}.png")))


def compact(path, colours=96):
    """Rewrite a PNG with a palette of ``colours`` colours, without dithering: a fraction of the size, and it
    looks the same (the photographs' fine texture makes a full-colour PNG of the six panels about 800 KB)."""
    image = common.require("PIL.Image", "pillow")
    with image.open(path) as picture:
        quantized = picture.convert("RGB").quantize(colors=colours, dither=image.Dither.NONE)
    quantized.save(path, optimize=True)
    return path
