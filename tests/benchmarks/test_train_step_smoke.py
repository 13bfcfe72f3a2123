"""benchmarks/train_step.py runs end to end in its tiny smoke mode (side-by-side table with torch when it
is installed, memory probes, profile). No timing is asserted: speed is measured by running the script."""

import pathlib
import subprocess
import sys

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "train_step.py"


def test_benchmark_smoke_mode_prints_the_table_memory_and_profile():
    run = subprocess.run([sys.executable, str(SCRIPT), "--smoke"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    for row in (
        "mlp train step, batch 64",
        "mlp inference, batch 1000",
        "cnn train step, batch 64",
        "cnn inference, batch 1000",
    ):
        assert row in out
    assert "resident memory over 8 CNN steps" in out and "peak memory added by a CNN step" in out
    assert "time inside op forward/vjp functions" in out
