"""Short programs written as a PyTorch user writes them, run once with torch and once with autograd_lite.

Each program is a function of the libraries it uses, ``program(torch, nn, F, optim, data)``: the very same
code runs with ``torch, torch.nn, torch.nn.functional, torch.optim, torch.utils.data`` and with
``autograd_lite, nn, nn.functional, optim, autograd_lite.utils.data``. Weights and data come from numpy
(the two frameworks' random generators differ), copied in with ``p.copy_`` under ``no_grad``; each program
returns the numbers it would print, which must agree.
"""

import numpy as np


def set_weights(torch, model, seed, scale=0.5):
    """Every parameter of ``model`` from a seeded numpy generator (the same values in both frameworks)."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * scale, dtype=p.dtype))


def mlp_training_loop(torch, nn, F, optim, data):
    """The canonical loop: a device, a DataLoader over a TensorDataset, SGD with momentum, MSE."""
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rng = np.random.default_rng(0)
    X = torch.tensor(rng.standard_normal((64, 5)), dtype=torch.float64)
    y = torch.tensor(rng.standard_normal((64, 1)), dtype=torch.float64)
    loader = data.DataLoader(data.TensorDataset(X, y), batch_size=16, shuffle=False)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1)).double().to(device)
    set_weights(torch, model, seed=1)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for epoch in range(3):
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            opt.zero_grad()
            loss = F.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses


def vae_loss(torch, nn, F, optim, data):
    """The VAE example's loss: reconstruction BCE (sum) plus the KL divergence of N(mu, sigma) from N(0, 1)."""
    rng = np.random.default_rng(2)
    logits = torch.tensor(rng.standard_normal((4, 6)), requires_grad=True)
    x = torch.tensor(rng.uniform(size=(4, 6)))
    mu = torch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    logvar = torch.tensor(rng.standard_normal((4, 3)) * 0.3, requires_grad=True)
    eps = torch.tensor(rng.standard_normal((4, 3)))
    z = mu + eps * torch.exp(0.5 * logvar)  # the reparameterisation trick, with a fixed eps
    recon = torch.sigmoid(logits)
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    loss = bce + kld + (z**2).sum() * 1e-3
    loss.backward()
    return [bce.item(), kld.item(), loss.item()] + [g for t in (logits, mu, logvar) for g in t.grad.flatten().tolist()]


class _Net:
    """The official MNIST example's network, made for either framework."""

    @staticmethod
    def build(nn, F):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 4, 3, 1)
                self.conv2 = nn.Conv2d(4, 8, 3, 1)
                self.dropout1 = nn.Dropout(0.25)
                self.fc1 = nn.Linear(8 * 2 * 2, 16)
                self.fc2 = nn.Linear(16, 10)

            def forward(self, x):
                x = F.relu(self.conv1(x))
                x = F.relu(self.conv2(x))
                x = F.max_pool2d(x, 2)
                x = self.dropout1(x)
                x = x.flatten(1)
                x = F.relu(self.fc1(x))
                return F.log_softmax(self.fc2(x), dim=1)

        return Net()


def mnist_style_cnn(torch, nn, F, optim, data):
    """The official MNIST example's train and test steps (eval mode: dropout off), Adam and StepLR."""
    rng = np.random.default_rng(3)
    images = torch.tensor(rng.uniform(size=(8, 1, 8, 8)), dtype=torch.float64)
    labels = torch.tensor(rng.integers(0, 10, 8))
    model = _Net.build(nn, F).double()
    set_weights(torch, model, seed=4, scale=0.3)
    model.eval()  # dropout is random in training mode: the two frameworks would draw different masks
    opt = optim.Adam(model.parameters(), lr=1e-2)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    out = []
    for step in range(4):
        opt.zero_grad()
        loss = F.nll_loss(model(images), labels)
        loss.backward()
        opt.step()
        sched.step()
        out.append(loss.item())
    with torch.no_grad():
        output = model(images)
        test_loss = F.nll_loss(output, labels, reduction="sum").item()
        pred = output.argmax(dim=1, keepdim=True)
        correct = pred.eq(labels.view_as(pred)).sum().item()
    return out + [test_loss, correct, sched.get_last_lr()[0]]


PROGRAMS = [mlp_training_loop, vae_loss, mnist_style_cnn]


def custom_function(torch, nn, F, optim, data):
    """A custom autograd.Function (an exp that saves its output), checked by gradcheck and used twice."""

    class MyExp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            y = torch.exp(x) * scale
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y, None

    rng = np.random.default_rng(5)
    x = torch.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    ok = torch.autograd.gradcheck(lambda t: MyExp.apply(t, 2.0), (x,))
    out = MyExp.apply(x, 2.0).sum() + MyExp.apply(x * 0.5, 1.0).pow(2).sum()
    out.backward()
    return [float(ok), out.item()] + x.grad.flatten().tolist()


def hooks(torch, nn, F, optim, data):
    """A forward hook that records activations and a tensor hook that scales a gradient, as debugging code does."""
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2)).double()
    set_weights(torch, model, seed=6)
    seen = []
    handle = model[1].register_forward_hook(lambda module, args, output: seen.append(output.sum().item()))
    x = torch.tensor(np.random.default_rng(7).standard_normal((5, 4)), requires_grad=True)
    h = model[0](x)
    h.register_hook(lambda grad: grad * 3.0)
    loss = model[2](model[1](h)).pow(2).mean()
    loss.backward()
    handle.remove()
    model[1](h.detach())  # the removed hook records nothing more
    return seen + [loss.item()] + x.grad.flatten().tolist() + model[0].weight.grad.flatten().tolist()


def transformer_block(torch, nn, F, optim, data):
    """A small pre-norm transformer block: Embedding, LayerNorm, MultiheadAttention (causal mask), an MLP."""

    class Block(nn.Module):
        def __init__(self, vocab, dim, heads):
            super().__init__()
            self.embed = nn.Embedding(vocab, dim)
            self.ln1 = nn.LayerNorm(dim)
            self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
            self.ln2 = nn.LayerNorm(dim)
            self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
            self.head = nn.Linear(dim, vocab)

        def forward(self, idx):
            x = self.embed(idx)
            t = idx.shape[1]
            mask = torch.ones(t, t).triu(1).bool()
            h = self.ln1(x)
            x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
            x = x + self.mlp(self.ln2(x))
            return self.head(x)

    model = Block(vocab=11, dim=8, heads=2).double()
    set_weights(torch, model, seed=8, scale=0.3)
    rng = np.random.default_rng(9)
    idx = torch.tensor(rng.integers(0, 11, (3, 5)))
    targets = torch.tensor(rng.integers(0, 11, (3, 5)))
    opt = optim.AdamW(model.parameters(), lr=1e-2)
    losses = []
    for step in range(3):
        opt.zero_grad()
        logits = model(idx)
        loss = F.cross_entropy(logits.reshape(-1, 11), targets.reshape(-1))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


PROGRAMS += [custom_function, hooks, transformer_block]


def tutorial_polynomial_autograd(torch, nn, F, optim, data):
    """'Learning PyTorch with Examples': fit sin(x) by a cubic with raw tensors, autograd and a manual update."""
    import math

    dtype = torch.float
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    a, b, c, d = (torch.tensor(v, device=device, dtype=dtype, requires_grad=True) for v in (0.1, -0.2, 0.3, -0.05))
    learning_rate = 1e-6
    losses = []
    for t in range(200):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        if t % 50 == 49:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return losses + [a.item(), b.item(), c.item(), d.item()]


def tutorial_polynomial_nn(torch, nn, F, optim, data):
    """The same tutorial's nn version: x^p features, Linear + Flatten(0, 1), MSELoss(sum), model.zero_grad()."""
    import math

    x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float64)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)).double()
    set_weights(torch, model, seed=10, scale=0.1)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    losses = []
    for t in range(200):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 50 == 49:
            losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    linear_layer = model[0]
    return losses + [linear_layer.bias.item()] + linear_layer.weight[:, 0].tolist()


tutorial_polynomial_autograd.rtol = 1e-5  # float32 sums of 2000 terms: the summation orders differ

PROGRAMS += [tutorial_polynomial_autograd, tutorial_polynomial_nn]


def micrograd_tests(torch, nn, F, optim, data):
    """micrograd's torch reference checks (test_sanity_check, test_more_ops), written on torch.Tensor."""
    x = torch.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    out = [y.data.item(), x.grad.item()]  # as micrograd writes it (ypt.data.item())

    a = torch.Tensor([-4.0]).double()
    b = torch.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    return out + [g.item(), a.grad.item(), b.grad.item()]


PROGRAMS += [micrograd_tests]


def official_regression(torch, nn, F, optim, data):
    """pytorch/examples' regression: a degree-4 polynomial fitted by Linear + smooth_l1_loss, updated through
    ``param.data.add_(-0.1 * param.grad)``, and a DCGAN-style init through ``.data``."""
    poly_degree = 4
    rng = np.random.default_rng(12)
    w_target = torch.tensor(rng.standard_normal((poly_degree, 1)) * 5)
    b_target = torch.tensor(rng.standard_normal(1) * 5)

    def make_features(x):
        x = x.unsqueeze(1)
        return torch.cat([x**i for i in range(1, poly_degree + 1)], 1)

    def f(x):
        return x.mm(w_target) + b_target.item()

    fc = torch.nn.Linear(w_target.size(0), 1).double()
    fc.weight.data.copy_(torch.tensor(rng.standard_normal((1, poly_degree)) * 0.1))
    fc.bias.data.fill_(0.0)
    losses = []
    for batch_idx in range(50):
        batch_x = make_features(torch.tensor(rng.standard_normal(32)))
        batch_y = f(batch_x)
        fc.zero_grad()
        output = F.smooth_l1_loss(fc(batch_x), batch_y)
        loss = output.item()
        output.backward()
        for param in fc.parameters():
            param.data.add_(-0.1 * param.grad)
        losses.append(loss)
    return losses + fc.weight.view(-1).tolist() + [fc.bias.item()]


PROGRAMS += [official_regression]
