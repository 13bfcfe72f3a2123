"""benchmarks/unet_step.py runs end to end in its smoke mode: the same weights in our U-Net and torch's give
the same eval-mode output (checked by the script), a few training steps of each, and the profile. No timing
is asserted: speed is measured by running the script."""

import pathlib
import subprocess
import sys

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "unet_step.py"


def test_unet_benchmark_smoke_mode_checks_the_weights_steps_and_profiles():
    run = subprocess.run([sys.executable, str(SCRIPT), "--smoke"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    assert "eval-mode outputs agree" in out or "torch is not installed" in out
    assert "step 1: ours loss" in out
    assert "time inside op forward/vjp functions" in out
