"""The README's demo trains: the loss falls and the spiral gets mostly right."""

import importlib.util
import pathlib

DEMO = pathlib.Path(__file__).resolve().parents[2] / "examples" / "demo.py"


def _load_demo():
    spec = importlib.util.spec_from_file_location("demo", DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_learns_the_spiral(capsys):
    loss, accuracy = _load_demo().main(epochs=500, lr=1.0, seed=0)
    printed = capsys.readouterr().out
    first_loss = float(printed.splitlines()[0].split("loss")[1].split()[0])
    assert loss < 0.5 * first_loss
    assert accuracy > 0.85
