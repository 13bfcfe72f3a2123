"""benchmarks/train_step.py runs end to end in its tiny smoke mode (side-by-side table with torch when it
is installed, the ResNet twin's weight check, memory probes, profile). No timing is asserted: speed is measured
by running the script."""

import pathlib
import subprocess
import sys

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "train_step.py"


def run(*args):
    done = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_benchmark_smoke_mode_prints_the_table_memory_and_profile():
    out = run("--smoke")
    for row in (
        "mlp train step, batch 64",
        "mlp inference, batch 1000",
        "cnn train step, batch 64",
        "cnn inference, batch 1000",
        "nielsen [784,30,10] train step, batch 10",
        "resnet train step, batch 64",
        "resnet inference, batch 1000",
    ):
        assert row in out
    if "autograd_lite has no al.compile" not in out:
        assert "mlp train step (al.compile), batch 64" in out
        assert "nielsen [784,30,10] train step (al.compile), batch 10" in out
    assert "resnet: same weights in torch's twin, eval-mode outputs agree" in out or "torch not installed" in out
    assert "resident memory over 8 CNN steps" in out and "peak memory added by a CNN step" in out
    assert "time inside op forward/vjp functions" in out
    last_table_line = [line for line in out.splitlines() if line.startswith("train_step: ")]
    assert len(last_table_line) == 1
    assert "mlp_train=" in last_table_line[0] and "resnet_train=" in last_table_line[0]


def test_only_names_workloads_from_the_table():
    done = subprocess.run([sys.executable, str(SCRIPT), "--only", "mlp,bogus"], capture_output=True, text=True)
    assert done.returncode == 2 and "unknown workload(s) ['bogus']" in done.stderr
    assert "mlp, cnn, nielsen, resnet" in done.stderr
