"""What every example shares: checkpoints that resume exactly, progress bars, figures, evaluation."""

import argparse
import os
import sys
import time

import numpy as np

import autograd_lite as al


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """``--help`` shows each flag's default, except for flags whose default is None (their help text says
    what they default to, e.g. per model)."""

    def _get_help_string(self, action):
        return action.help if action.default is None else super()._get_help_string(action)


def require(module, package):
    """Import an example-only dependency, or exit with one line saying how to install it."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        sys.exit(f'error: this example needs {package}: pip install -e ".[examples]" (or pip install {package})')


def progress(iterable, **kwargs):
    """A tqdm progress bar on stderr (switched off by the environment variable AL_PROGRESS=0)."""
    tqdm = require("tqdm", "tqdm").tqdm
    disable = os.environ.get("AL_PROGRESS") == "0"
    return tqdm(iterable, file=sys.stderr, dynamic_ncols=True, disable=disable, **kwargs)


def pyplot():
    """matplotlib's pyplot on the Agg backend: figures are written to files, no screen needed."""
    matplotlib = require("matplotlib", "matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path):
    """Write a figure as PNG (creating its directory) and close it."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    pyplot().close(fig)
    return path


def save_checkpoint(path, **state):
    """Write a checkpoint atomically with ``al.save`` (a crash mid-write keeps the previous one)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    al.save(state, path)


def load_checkpoint(path, expected_keys):
    """Read a checkpoint written by ``save_checkpoint``, or exit with one clear line if it is missing,
    damaged or from another program."""
    if not os.path.exists(path):
        sys.exit(f"error: no checkpoint at {path} (train first, or pass --checkpoint PATH)")
    try:
        state = al.load(path)
    except (ValueError, OSError) as err:
        sys.exit(f"error: cannot read the checkpoint {path}: {err}")
    missing = [k for k in expected_keys if not isinstance(state, dict) or k not in state]
    if missing:
        sys.exit(f"error: {path} is not a checkpoint of this example (missing {', '.join(missing)})")
    return state


def resume(path, config, history_keys, model, optimizer):
    """The state to train from: fresh (epoch 0, empty history) or, when ``path`` exists, the checkpoint's,
    with the model, optimizer and random generator restored; a checkpoint made with other settings than
    ``config`` (the number of epochs aside) is refused in one line."""
    fresh = {"epoch": 0, "seconds": 0.0, "history": {k: [] for k in history_keys}}
    if not os.path.exists(path):
        print(f"no checkpoint at {path} to resume from; starting afresh", file=sys.stderr)
        return fresh
    state = load_checkpoint(path, ("config", "model", "optimizer", "epoch", "history", "rng"))
    saved = state["config"]
    changed = [k for k in saved if k != "epochs" and saved[k] != config.get(k)]
    if changed:
        sys.exit(
            f"error: {path} was trained with other settings "
            f"({', '.join(f'{k}={saved[k]!r}' for k in changed)}); resume with the same flags "
            "or choose another --checkpoint"
        )
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    al.set_rng_state(state["rng"])
    print(f"resuming from {path} after epoch {state['epoch']}", file=sys.stderr)
    return state


def predict_all(model, loader, prepare=lambda x: x):
    """Logits of the whole loader in eval mode without a graph, with the labels: (logits, labels) arrays."""
    was_training = model.training
    model.eval()
    logits, labels = [], []
    with al.no_grad():
        for x, y in loader:
            logits.append(model(prepare(x)).numpy())
            labels.append(y.numpy())
    model.train(was_training)
    return np.concatenate(logits), np.concatenate(labels)


def loss_and_accuracy(logits, labels):
    """Mean cross-entropy and the fraction classified right, from logits as numpy arrays."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(len(labels)), labels].mean()
    return float(loss), float((logits.argmax(axis=1) == labels).mean())


class Stopwatch:
    """Wall time that survives a resume: ``offset`` seconds already spent before this process."""

    def __init__(self, offset=0.0):
        self.start, self.offset = time.perf_counter(), offset

    def elapsed(self):
        return self.offset + time.perf_counter() - self.start
