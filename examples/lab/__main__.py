"""``python -m examples.lab <experiment> | all``: run one experiment of the learning lab, or all of them.

``all`` records each finished experiment's last line in ``<out>/lab.ckpt`` (written atomically); with
``--resume`` it skips the experiments already recorded with the same settings, so a stopped run continues.
Its last line is ``lab all: 12 experiments, 512.3 s``.
"""

import argparse
import os
import signal
import sys
import time

if __package__ in (None, ""):  # run as a script: make the examples package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from examples import _common as common  # noqa: E402
from examples import lab  # noqa: E402


class HelpFormatter(argparse.RawDescriptionHelpFormatter, common.DefaultsHelpFormatter):
    """Each flag's default shown, and the experiment's docstring kept as written (its usage lines intact)."""


def add_common_arguments(parser):
    """The flags every experiment takes."""
    parser.add_argument("--quick", action="store_true", help="a tiny run in seconds (what CI smoke-runs)")
    parser.add_argument("--seed", type=int, default=0, help="seeds every random draw of the experiment")
    parser.add_argument("--out", default="runs/lab", help="directory for the figures")
    parser.add_argument("--no-plots", action="store_true", help="skip the figures")


def build_parser(modules):
    """The parser: one subcommand per experiment (its own flags added by the module), and ``all``."""
    parser = argparse.ArgumentParser(
        prog="python -m examples.lab",
        description=lab.__doc__.split("\n\n")[0],
        formatter_class=common.DefaultsHelpFormatter,
    )
    commands = parser.add_subparsers(dest="experiment", required=True, metavar="EXPERIMENT")
    for name, module in modules.items():
        sub = commands.add_parser(name, help=module.TITLE, description=module.__doc__, formatter_class=HelpFormatter)
        add_common_arguments(sub)
        module.add_arguments(sub)
    every = commands.add_parser(
        "all", help="every experiment at its default settings, in order", formatter_class=common.DefaultsHelpFormatter
    )
    add_common_arguments(every)
    every.add_argument("--resume", action="store_true", help="skip the experiments <out>/lab.ckpt records as done")
    return parser


def run_all(args, modules, parser):
    """Each experiment with its defaults (and --quick, --seed, --out, --no-plots); returns their results."""
    start = time.perf_counter()
    record_path = os.path.join(args.out, "lab.ckpt")
    settings = {"quick": args.quick, "seed": args.seed, "no_plots": args.no_plots}
    done = {}
    if args.resume and os.path.exists(record_path):
        record = common.load_checkpoint(record_path, ("settings", "done"))
        if record["settings"] == settings:
            done = record["done"]
            print(f"resuming: {len(done)} experiments already done ({', '.join(done)})", file=sys.stderr)
        else:
            print(f"{record_path} was made with other settings: running everything", file=sys.stderr)
    results = {}
    for name in modules:
        if name in done:
            print(done[name])
            continue
        argv = (
            [name, "--out", args.out, "--seed", str(args.seed)]
            + ["--quick"] * args.quick
            + ["--no-plots"] * args.no_plots
        )
        print(f"\n== {name}: {modules[name].TITLE}", flush=True)
        results[name] = modules[name].run(parser.parse_args(argv))
        done[name] = results[name]["line"]
        common.save_checkpoint(record_path, settings=settings, done=done)
    print("\n" + "\n".join(done[name] for name in modules))
    print(f"lab all: {len(modules)} experiments, {time.perf_counter() - start:.1f} s", flush=True)
    return results


def main(argv=None):
    modules = lab.experiments()
    parser = build_parser(modules)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill stops like Ctrl-C
    try:
        if args.experiment == "all":
            run_all(args, modules, parser)
        else:
            modules[args.experiment].run(args)
    except KeyboardInterrupt:
        print("\ninterrupted (python -m examples.lab all --resume skips the experiments already done)", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
