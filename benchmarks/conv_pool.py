"""Time one Conv2d(20, 40, 5) and one MaxPool2d(2) forward + backward against PyTorch in the same run.

Run: python benchmarks/conv_pool.py   (needs torch; float32; best of 7 x 20 calls each)
"""
import timeit, numpy as np, torch, autograd_lite as al, nn
rng = np.random.default_rng(0)
x_np = rng.standard_normal((64, 20, 12, 12)).astype(np.float32)
conv = nn.Conv2d(20, 40, 5); tconv = torch.nn.Conv2d(20, 40, 5); tconv.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in conv.state_dict().items()})
pool_x = rng.standard_normal((64, 20, 24, 24)).astype(np.float32)
def ours_conv():
    x = al.tensor(x_np, requires_grad=True); conv(x).sum().backward()
def torch_conv():
    x = torch.tensor(x_np, requires_grad=True); tconv(x).sum().backward()
def ours_pool():
    x = al.tensor(pool_x, requires_grad=True); nn.functional.max_pool2d(x, 2).sum().backward()
def torch_pool():
    x = torch.tensor(pool_x, requires_grad=True); torch.nn.functional.max_pool2d(x, 2).sum().backward()
for name, f in [("conv ours", ours_conv), ("conv torch", torch_conv), ("pool ours", ours_pool), ("pool torch", torch_pool)]:
    f()
    t = min(timeit.repeat(f, number=20, repeat=7)) / 20
    print(f"{name:11s} fwd+bwd {t*1e3:.2f} ms")
