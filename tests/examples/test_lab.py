"""The learning lab's command (python -m examples.lab): every experiment module follows the protocol, each has
its subcommand, and ``all`` runs them in order, records what finished and resumes after it."""

import importlib
import re

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

from examples import lab  # noqa: E402
from examples.lab import __main__ as command  # noqa: E402


def test_every_experiment_module_follows_the_protocol():
    modules = lab.experiments()
    assert len(modules) == len(lab.MODULES) == 12
    for name, module in modules.items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name), name
        assert module.TITLE and module.__doc__ and module.__doc__.strip()
        assert callable(module.add_arguments) and callable(module.run)
        assert f"lab {name}: " in module.__doc__, f"{name}'s docstring does not show its last line"


@pytest.mark.parametrize("name", lab.MODULES)
def test_each_experiment_has_a_subcommand_with_the_common_flags(name):
    module = importlib.import_module(f"examples.lab.{name}")
    args = command.build_parser(lab.experiments()).parse_args([module.NAME, "--quick", "--seed", "3"])
    assert (args.experiment, args.quick, args.seed, args.out, args.no_plots) == (
        module.NAME,
        True,
        3,
        "runs/lab",
        False,
    )


def test_an_unknown_experiment_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        command.main(["overfiting"])
    assert exit_info.value.code == 2 and "invalid choice" in capsys.readouterr().err


class FakeExperiment:
    """A stand-in experiment that records its runs (and can be told to be interrupted)."""

    TITLE = "a stand-in"

    def __init__(self, name, log, interrupt=False):
        self.NAME, self.__doc__, self.log, self.interrupt = name, f"Stand-in.\n\nlab {name}: ok", log, interrupt

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=5)

    def run(self, args):
        if self.interrupt:
            raise KeyboardInterrupt
        self.log.append((self.NAME, args.size, args.quick, args.seed))
        line = f"lab {self.NAME}: size {args.size}"
        print(line)
        return {"line": line, "figures": []}


def _run_all(modules, argv, capsys):
    parser = command.build_parser(modules)
    command.run_all(parser.parse_args(["all", *argv]), modules, parser)
    return capsys.readouterr().out.strip().splitlines()


def test_all_runs_every_experiment_at_its_defaults_and_resumes_after_the_ones_done(tmp_path, capsys):
    log = []
    out = ["--out", str(tmp_path), "--quick", "--seed", "7"]
    modules = {name: FakeExperiment(name, log) for name in ("one", "two", "three")}
    modules["two"].interrupt = True
    with pytest.raises(KeyboardInterrupt):
        _run_all(modules, out, capsys)
    assert log == [("one", 5, True, 7)]

    modules["two"].interrupt = False
    lines = _run_all(modules, out + ["--resume"], capsys)
    assert log == [("one", 5, True, 7), ("two", 5, True, 7), ("three", 5, True, 7)]
    assert lines[-4:-1] == ["lab one: size 5", "lab two: size 5", "lab three: size 5"]
    assert re.fullmatch(r"lab all: 3 experiments, \d+\.\d s", lines[-1])

    lines = _run_all(modules, out[:-2] + ["--seed", "8", "--resume"], capsys)  # other settings: all again
    assert len(log) == 6 and log[-1] == ("three", 5, True, 8)


def test_main_returns_130_when_interrupted(tmp_path, capsys, monkeypatch):
    modules = {"one": FakeExperiment("one", [], interrupt=True)}
    monkeypatch.setattr(lab, "experiments", lambda: modules)
    assert command.main(["one", "--out", str(tmp_path)]) == 130
    assert "--resume" in capsys.readouterr().err
