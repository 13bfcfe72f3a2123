"""benchmarks/mnist_epoch.py runs end to end in its smoke mode (a few batches of each configuration on random
images). No timing is asserted: speed is measured by running the script."""

import pathlib
import subprocess
import sys

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "mnist_epoch.py"


def test_epoch_benchmark_smoke_mode_prints_every_row(tmp_path):
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--data", str(tmp_path / "none.npz")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    assert "random images (no MNIST file given)" in out
    for row in ("ours ", "torch ", "ours + affine", "ours + elastic"):
        assert row in out
