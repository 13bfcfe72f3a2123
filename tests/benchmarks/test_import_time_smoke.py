"""benchmarks/import_time.py runs end to end in its smoke mode: the -X importtime breakdown of our modules,
two fresh interpreters per import, and the machine-readable last line; with torch hidden it times ours alone
and says so. No timing is asserted: speed is measured by running the script."""

import os
import pathlib
import re
import subprocess
import sys

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "import_time.py"


def run_smoke(env=None):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke"], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_import_time_smoke_mode_prints_the_breakdown_and_the_last_line():
    out = run_smoke()
    assert "our 15 slowest modules to import" in out
    assert re.search(r"^\s+\d+\s+\d+\s+autograd_lite$", out, re.M)
    last = out.splitlines()[-1]
    assert re.fullmatch(r"import_time: ours \d+ ms, (torch \d+ ms, ratio \d+\.\d\d|torch not installed)", last)


def test_without_torch_ours_is_timed_alone(tmp_path):
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('torch is hidden by the test')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    out = run_smoke(env)
    assert "torch not installed" in out
    assert re.fullmatch(r"import_time: ours \d+ ms, torch not installed", out.splitlines()[-1])
