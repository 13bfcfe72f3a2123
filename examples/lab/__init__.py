"""The learning lab: the book's and the course's experiments on how networks learn, one module each.

    python -m examples.lab overfitting          # one experiment: prints its numbers, writes its figure
    python -m examples.lab all                  # all of them, one after the other (about ten minutes)
    python -m examples.lab all --quick          # each in seconds (what CI smoke-runs)
    python -m examples.lab penalties --help     # an experiment's own flags

Each experiment module defines ``NAME`` (its command), ``TITLE``, ``add_arguments(parser)`` (its own flags)
and ``run(args)``, which prints the experiment's numbers, writes its figures into ``args.out`` and prints, last,
one machine-readable line ``lab <name>: ...``; it returns a dict with at least ``line`` (that last line) and
``figures`` (the paths written). ``args`` always has ``quick``, ``seed``, ``out`` and ``no_plots``.
"""

import importlib

MODULES = (
    "overfitting",
    "penalties",
    "ensembles",
    "dropout",
    "more_data",
    "early_stopping",
    "slowdown",
    "softmax",
    "initialization",
    "convolution",
    "vanishing",
    "momentum",
)


def experiments():
    """The experiment modules in the lab's order, by command name."""
    loaded = (importlib.import_module(f"examples.lab.{name}") for name in MODULES)
    return {module.NAME: module for module in loaded}
