"""A first look at autograd_lite: train a two-layer network on a spiral with raw tensors and plain SGD.

Run: python examples/demo.py   (numpy only; a few seconds on a laptop CPU)
"""

import argparse

import numpy as np

import autograd_lite as al


def spiral(points_per_class, classes, rng):
    """The classic 2-D spiral: ``classes`` interleaved arms, not linearly separable."""
    n = points_per_class
    radius = np.tile(np.linspace(0.0, 1.0, n), classes)
    angle = (np.linspace(0, 4, n) + rng.normal(0, 0.2, (classes, n)) + 4 * np.arange(classes)[:, None]).ravel()
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1).astype(np.float32)
    y = np.repeat(np.arange(classes), n)
    return al.tensor(x), al.tensor(y)


def cross_entropy(logits, targets):
    """Mean negative log-likelihood of the targets under softmax(logits)."""
    log_probs = al.log_softmax(logits, dim=1)
    return -log_probs[al.arange(len(targets)), targets].mean()


def main(epochs=2000, lr=1.0, hidden=64, seed=0):
    al.manual_seed(seed)
    x, y = spiral(100, 3, np.random.default_rng(seed))
    w1 = (al.randn(2, hidden) * 0.5).requires_grad_()
    b1 = al.zeros(hidden, requires_grad=True)
    w2 = (al.randn(hidden, 3) * 0.1).requires_grad_()
    b2 = al.zeros(3, requires_grad=True)
    params = [w1, b1, w2, b2]
    for epoch in range(epochs + 1):
        logits = al.tanh(x @ w1 + b1) @ w2 + b2
        loss = cross_entropy(logits, y)
        for p in params:
            p.grad = None
        loss.backward()
        with al.no_grad():
            for p in params:
                p -= lr * p.grad
        if epoch % (epochs // 5) == 0:
            accuracy = (logits.argmax(dim=1) == y).float().mean().item()
            print(f"epoch {epoch:5d}  loss {loss.item():.4f}  train accuracy {accuracy:.3f}")
    return loss.item(), accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.epochs, args.lr, seed=args.seed)
