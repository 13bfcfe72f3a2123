"""benchmarks/scaling.py runs end to end in its smoke mode (batches 1 and 4, one round, the workers of
train_step.py given a batch) and writes its figure where --out says. No timing is asserted: speed is measured
by running the script."""

import pathlib
import subprocess
import sys

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "scaling.py"


def test_scaling_smoke_mode_prints_the_tables_and_writes_the_figure(tmp_path):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--out", str(tmp_path)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    figure = tmp_path / "scaling.png"
    assert figure.is_file() and figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "mlp: MLP [784, 100, 10]" in out and "cnn: CNN" in out
    assert "ours µs/sample" in out
    last = out.splitlines()[-1]
    assert last.startswith("scaling: mlp ") and "; cnn " in last and last.endswith(f"figure {figure}")
