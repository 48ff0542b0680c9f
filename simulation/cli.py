"""The ``escalation`` command: a thin layer over the library.

    escalation run SCENARIO [--seed N] [--steps N] [--set key=value ...] [--out DIR]
    escalation scenarios
    escalation explain SCENARIO [--seed N] [--steps N] [--set key=value ...]
    escalation params [GROUP]
    escalation batch EXPERIMENT [--out DIR] [--workers N] [--dask ADDRESS|local] [--set key=value ...] [--force]
                     [--salvage] [--max-runs N]
    escalation summarize DIR
    escalation verify DIR
    escalation plot DIR [--kind curves|spiral|ladder|phase|compare|members|all] [--metric M] [--format png|svg|pdf]
                        [--where "member_unity <= 0.2" ...] [--points 0,3,5]
    escalation report DIR [--out FILE]
    escalation demo [--scenario NAME] [--projector] [--port 8765] [--host 127.0.0.1]
    escalation classroom [--scenario NAME] [--host H] [--port P] [--turn-months N] [--seed N] [--out DIR]
                         [--roles KEY,KEY] [--resume DIR]
    escalation sensitivity EXPERIMENT [--method sobol|morris] [--outcomes NAME ...] [--out DIR] [--workers N]
                           [--dask ADDRESS|local] [--set key=value ...] [--force]
    escalation discover DIR --outcome "peak_rung >= 7" [--min-coverage 0.5] [--alpha 0.05] [--out DIR]
    escalation calibrate CALIBRATION [--out DIR] [--workers N | --dask ADDRESS] [--set key=value ...] [--resume]

Exit statuses (every failure is one line on stderr, never a traceback):

    0    done
    1    verify found damaged files (it lists them and the repair command)
    2    bad input: a file, a key, a value, an option or a results folder that cannot be used,
         named with what is allowed, before any run starts
    3    could not write: the disk is full, the quota exceeded, the file system read-only, permission
         denied or an I/O error; what was committed is kept, and the same command resumes once fixed
    130  interrupted by SIGINT (Ctrl-C), 143 by SIGTERM, 129 by SIGHUP: what finished is kept, the lock
         is released, and the same command resumes
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from simulation import parameters as params
from simulation.analysis.outcomes import OUTCOMES, SENSITIVITY_OUTCOMES
from simulation.errors import (
    EXIT_BAD_INPUT,
    EXIT_WRITE,
    AnalysisError,
    EscalationError,
    PlotError,
    Terminated,
    WriteError,
    exit_status_of_signal,
    os_error_message,
)
from simulation.scenario import load_scenario, parse_assignment, shipped_scenarios, to_toml
from simulation.viz.figures import FIGURE_KINDS

__all__ = ["main"]


class UsageError(EscalationError):
    """A command line argparse cannot read (unknown option, bad choice, a number that is not one)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line and exit status 2 like every other bad input (no usage dump)."""

    def error(self, message: str) -> Any:  # argparse calls this; it must not return
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


def _count(low: int) -> Any:
    """An argparse type: an integer >= ``low``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is not allowed: must be an integer >= {low}")
        return value

    return parse


def _ids(text: str) -> list[int]:
    """An argparse type: comma-separated design point ids, ``0,3,5``."""
    try:
        return [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give design point ids separated by commas, e.g. 0,3,5") from None


def _load(args: argparse.Namespace) -> Any:
    """The scenario named on the command line with its --set and --steps overrides, validated."""
    overrides: dict[str, Any] = dict(parse_assignment(p) for p in args.overrides)
    if args.steps is not None:
        overrides["steps"] = args.steps
    return load_scenario(args.scenario, overrides)


# Options shared by several commands, declared once. On the Python side every ``--set KEY=VALUE``
# lands in ``args.overrides``: the name the library uses for them (``load_scenario(..., overrides)``,
# an experiment file's ``[overrides]`` table).

_SET_SCENARIO = (
    "override a declared parameter, dotted for tables: --set aid_level=0.8 "
    "--set russia.noise=0.1 (repeatable; `escalation params` lists them)"
)
_SET_EXPERIMENT = (
    "override a key of the experiment file (experiment.replications=4, design.samples=32) or a "
    "scenario parameter for every run (aid_level=0.3); repeatable"
)


def _opt_set(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help=help)


def _opt_out(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--out", type=Path, default=None, help=help)


def _opt_store_dir(p: argparse.ArgumentParser, help: str = "a results folder written by `escalation batch`") -> None:
    p.add_argument("dir", type=Path, help=help)


def _opt_batch(p: argparse.ArgumentParser) -> None:
    """Where a batch runs and how it treats its results folder: batch and sensitivity share these."""
    _opt_out(p, "results folder (default: results/<experiment name>)")
    p.add_argument("--workers", type=_count(1), default=None, help="worker processes (default: CPU count; 1: serial)")
    p.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS|local",
        help="run on Dask: 'local' starts a LocalCluster, or a scheduler address tcp://host:8786",
    )
    _opt_set(p, _SET_EXPERIMENT)
    p.add_argument("--force", action="store_true", help="replace the results of another experiment in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="a shipped scenario's name (see `escalation scenarios`) or a .toml file")
    p.add_argument("--seed", type=_count(0), default=1, help="seed of the model's random generator (default 1)")
    p.add_argument("--steps", type=int, default=None, help="months to run (default: the scenario's steps)")
    _opt_set(p, _SET_SCENARIO)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``escalation`` command."""
    parser = _Parser(
        prog="escalation",
        description="Escalation between an alliance, Ukraine and Russia: an agent-based model on Mesa.",
        epilog="exit status: 0 done, 1 verify found damage, 2 bad input, 3 could not write (disk full, read-only, "
        "permission), 130/143 interrupted by SIGINT/SIGTERM; after 3 or an interruption the same command resumes",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one scenario and write its tables")
    _add_run_args(run)
    _opt_out(run, "folder for steps/members/events Parquet and the resolved scenario TOML")
    sub.add_parser("scenarios", help="list the shipped scenarios")
    explain = sub.add_parser("explain", help="print the month-by-month narrative of a run")
    _add_run_args(explain)
    ps = sub.add_parser("params", help="list the declared parameters with defaults and ranges")
    ps.add_argument("group", nargs="?", default=None, help="only this table (members, russia, ...)")
    batch = sub.add_parser(
        "batch",
        help="run an experiment (a scenario batch) into a results folder; "
        "running it again on an interrupted folder resumes",
    )
    batch.add_argument("experiment", help="an experiment file, or a shipped one's name (default, aid_unity_grid, ...)")
    _opt_batch(batch)
    batch.add_argument(
        "--max-runs",
        type=_count(1),
        default=1_000_000,
        metavar="N",
        help="refuse a design of more than N runs, before building it (default 1000000)",
    )
    batch.add_argument(
        "--salvage",
        action="store_true",
        help="--out lost its manifest: keep the committed chunks of this experiment, compute the rest",
    )
    verify = sub.add_parser(
        "verify", help="check every part of a results folder against its checksum, and the manifest against them"
    )
    _opt_store_dir(verify)
    summ = sub.add_parser("summarize", help="print the summary table of a results folder")
    _opt_store_dir(summ)
    plot = sub.add_parser("plot", help="draw figures from a results folder")
    _opt_store_dir(plot)
    plot.add_argument("--kind", default="all", choices=[*FIGURE_KINDS, "all"], help="which figure (default: all)")
    plot.add_argument(
        "--metric",
        default=None,
        help=f"phase: an outcome per design point, {', '.join(OUTCOMES)} (default p_rung7); "
        "compare: one step metric instead of the four default ones",
    )
    plot.add_argument("--format", default="png", choices=["png", "svg", "pdf"], help="file format (default png)")
    plot.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="CONDITION",
        help='draw only the design points whose parameters meet it, e.g. --where "member_unity <= 0.2" '
        "(repeatable: all must hold; OP one of >=, <=, >, <, ==)",
    )
    plot.add_argument(
        "--points", type=_ids, default=None, metavar="0,3,5", help="draw only these design points (see summarize)"
    )
    _opt_out(plot, "folder for the figures (default: DIR/figures)")
    report = sub.add_parser("report", help="write one self-contained HTML page of a results folder")
    _opt_store_dir(report)
    _opt_out(report, "the HTML file (default: DIR/report.html)")
    sens = sub.add_parser("sensitivity", help="global sensitivity analysis (Sobol' or Morris) of an experiment")
    sens.add_argument("experiment", help="an experiment file or shipped name (sobol_core, morris_screening)")
    sens.add_argument(
        "--method",
        choices=["sobol", "morris"],
        default=None,
        help="sobol: Saltelli's scheme and Sobol' indices; morris: elementary effects (default: the "
        "file's design kind)",
    )
    _opt_batch(sens)
    sens.add_argument(
        "--outcomes",
        nargs="+",
        default=None,
        help=f"outcomes per design point to analyse (default: {' '.join(SENSITIVITY_OUTCOMES)}; any of "
        f"{', '.join(OUTCOMES)})".replace("%", "%%"),
    )
    disc = sub.add_parser("discover", help="PRIM scenario discovery: where in parameter space an outcome is likely")
    _opt_store_dir(disc, "a results folder whose design varied parameters")
    disc.add_argument("--outcome", required=True, help='a condition on a runs column, e.g. "peak_rung >= 7"')
    disc.add_argument("--min-coverage", type=float, default=0.5, help="coverage the chosen box keeps (default 0.5)")
    disc.add_argument("--alpha", type=float, default=0.05, help="share peeled per step (default 0.05)")
    _opt_out(disc, "folder for the figure and box (default: DIR/discovery)")
    cal = sub.add_parser(
        "calibrate",
        help="fit parameters to the real war (ABC-SMC, needs the calibrate extra); running it again on an "
        "interrupted folder resumes",
    )
    cal.add_argument("calibration", help="a calibration file, or a shipped one's name (history_abc)")
    _opt_batch(cal)
    cal.add_argument("--resume", action="store_true", help="continue the calibration in --out (an error if none)")
    cal.add_argument("--no-predictive", action="store_true", help="skip the prior and posterior predictive runs")
    hind = sub.add_parser(
        "hindcast",
        help="run the history scenario over many seeds and score it against the real war (2022-2023)",
    )
    hind.add_argument("--seeds", type=_count(1), default=50, help="runs of the history scenario (default 50)")
    hind.add_argument(
        "--scenario", default="history", help="a dated scenario to score (default history; a branch of it works)"
    )
    hind.add_argument("--start", default=None, metavar="YYYY-MM", help="first month scored and drawn (default 2022-03)")
    hind.add_argument("--end", default=None, metavar="YYYY-MM", help="last month scored (default 2023-12)")
    hind.add_argument(
        "--posterior",
        type=Path,
        default=None,
        metavar="DIR",
        help="a calibration folder (escalation calibrate): score its posterior predictive instead, --seeds "
        "particles drawn by weight, one run each (default --out: DIR/hindcast)",
    )
    hind.add_argument(
        "--fit-observation",
        action="store_true",
        help="also fit the observation model's parameters to the calibration window (moments, docs/ODD.md "
        "section 10.2) and print them as an [observation] table for the scenario file",
    )
    _opt_batch(hind)
    demo = sub.add_parser("demo", help="start the classroom dashboard in a browser (needs the viz extra)")
    demo.add_argument("--scenario", default="classroom", help="the scenario the page opens with (default classroom)")
    demo.add_argument("--port", type=_count(0), default=8765, help="port (default 8765; 0 picks a free one)")
    demo.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default 127.0.0.1: this computer only; 0.0.0.0 for the room)",
    )
    demo.add_argument(
        "--projector", action="store_true", help="open in projector mode: larger type, one chart per row (key p)"
    )
    cls = sub.add_parser(
        "classroom", help="start a classroom wargame: teams play member governments from their devices (viz extra)"
    )
    cls.add_argument("--scenario", default="classroom", help="a shipped scenario (default classroom)")
    cls.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1: this computer only)"
    )
    cls.add_argument("--port", type=_count(0), default=8766, help="port (default 8766; 0 picks a free one)")
    cls.add_argument("--turn-months", type=_count(1), default=3, help="months the model advances per turn (default 3)")
    cls.add_argument("--seed", type=int, default=1, help="the model's seed (default 1)")
    cls.add_argument("--out", type=Path, default=None, help="session folder (default results/classroom-<date-time>)")
    cls.add_argument(
        "--roles",
        default="",
        metavar="KEY,KEY",
        help="roles played by teams, e.g. USA,DEU,POL,BALTIC,RUS (default: the instructor picks them on the page)",
    )
    cls.add_argument("--resume", type=Path, default=None, metavar="DIR", help="resume the session saved in DIR")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (see the module's docstring: 2 bad input, 3 could not write, 130/143)."""
    with _signals_as_interruptions():
        try:
            _check_working_folder()
            args = build_parser().parse_args(argv)
            code = _COMMANDS[args.command](args)
            sys.stdout.flush()  # a full disk under a redirected stdout fails here, inside the handlers
            return code
        except EscalationError as e:
            _say(f"error: {e}")
            return EXIT_WRITE if isinstance(e, WriteError) else EXIT_BAD_INPUT
        except KeyboardInterrupt as e:
            signum = e.signum if isinstance(e, Terminated) else signal.SIGINT
            name = signal.Signals(signum).name
            _say(f"interrupted by {name}: what finished is saved; run the same command again to resume")
            return exit_status_of_signal(signum)
        except BrokenPipeError:  # the reader left early (`escalation summarize DIR | head`): not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
            return 0
        except OSError as e:  # the file system refused (disk full, read-only, ...): one line, status 3
            _say(f"error: {os_error_message(e)}")
            return EXIT_WRITE


def _check_working_folder() -> None:
    """Relative paths (and default output folders) need a working folder that still exists."""
    try:
        os.getcwd()
    except FileNotFoundError:
        raise UsageError(
            "the current folder no longer exists (deleted or moved meanwhile); cd to an existing folder and run "
            "the command again"
        ) from None


def _say(line: str) -> None:
    """One line on stderr, whatever the message holds (a key or value with a newline stays on one line)."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)
    print(text, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _signals_as_interruptions() -> Iterator[None]:
    """While a command runs, SIGTERM and SIGHUP raise :class:`Terminated` (cleanup runs, as for Ctrl-C)."""

    def interrupt(signum: int, frame: Any) -> None:
        raise Terminated(signum)

    old = {}
    try:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            old[sig] = signal.signal(sig, interrupt)
    except ValueError:  # not the main thread (a notebook's worker thread): leave the signals alone
        pass
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _run(args: argparse.Namespace) -> int:
    from simulation.run import run_scenario
    from simulation.runner.store import Store

    sc = _load(args)
    out: Path | None = args.out
    if out is not None:
        Store.check_writable(out)
    result = run_scenario(sc, seed=args.seed)
    s = result.summary
    ladder = sc.values.ladder.names
    ceasefire = f"month {s['ceasefire_month']}" if s["ceasefire_month"] is not None else "none"
    print(f"{sc.name} (seed {args.seed}, {sc.values.steps} months, {len(sc.members)} members)")
    print(f"  peak rung      {s['peak_rung']}: {ladder[s['peak_rung']]}")
    print(f"  final rung     {s['final_rung']}: {ladder[s['final_rung']]}")
    print(f"  territory held {s['final_territory']:.0%} at the end")
    print(f"  ceasefire      {ceasefire}")
    print(f"  spillover      {s['spillover_incidents']} incidents; mean cohesion {s['mean_cohesion']:.2f}")
    if out is not None:
        write_run(result, out)
        print(f"  wrote          {out}/steps.parquet, members.parquet, events.parquet, scenario.toml")
    return 0


def write_run(result: Any, out: Path) -> None:
    """Write a run's three tables as Parquet and its resolved scenario as TOML into ``out``."""
    from simulation.runner.store import atomic_path, write_text

    for name in ("steps", "members", "events"):
        with atomic_path(out / f"{name}.parquet") as tmp:
            getattr(result, name).to_parquet(tmp, index=False)
    write_text(to_toml(result.scenario), out / "scenario.toml")


def _scenarios(args: argparse.Namespace) -> int:
    for name, path in shipped_scenarios().items():
        sc = load_scenario(path)
        print(f"{name:18s} {sc.values.description}")
    return 0


def _explain(args: argparse.Namespace) -> int:
    from simulation.run import run_scenario

    sc = _load(args)
    result = run_scenario(sc, seed=args.seed)
    steps = result.steps.set_index("month")
    start = steps.loc[0]
    print(f"{sc.name}: {sc.values.description}")
    print(
        f"Seed {args.seed}. {len(sc.members)} members; aid level {sc.values.aid_level:g}, unity "
        f"{sc.values.member_unity:g}, Russia's intent {sc.values.russia_intent:g}, misperception "
        f"{sc.values.misperception:g}, diplomacy {sc.values.diplomacy:g}."
    )
    print(
        f"Month 0: Russia stands on rung {int(start.escalation_rung)} "
        f"({sc.values.ladder.names[int(start.escalation_rung)]}); Ukraine holds {start.territory_held:.0%}."
    )
    wrap = textwrap.TextWrapper(width=100, subsequent_indent=" " * 11)
    for month, group in result.events.groupby("month", sort=True):
        for i, text in enumerate(group["description"]):
            lead = f"Month {month:>3}: " if i == 0 else " " * 11
            print(wrap.fill(lead + text + "."))
    end = steps.iloc[-1]
    print(
        f"After {int(end.name)} months: rung {int(end.escalation_rung)} "
        f"({sc.values.ladder.names[int(end.escalation_rung)]}); Ukraine holds {end.territory_held:.0%}; "
        f"alliance cohesion {end.alliance_cohesion:.2f}."
    )
    return 0


def _params(args: argparse.Namespace) -> int:
    groups = [args.group] if args.group else ["", *params.GROUPS]
    if args.group and args.group not in params.GROUPS:
        raise UsageError(f"escalation params: unknown table {args.group!r}; tables: {', '.join(params.GROUPS)}")
    for g in groups:
        print(f"[{g}]" if g else "top level")
        for p in params.PARAMETERS:
            if p.group == g and p.kind is not list:
                rng = f"[{p.low:g}, {p.high:g}]" if p.numeric else ""
                print(f"  {p.key:34s} {p.default!s:8s} {rng:14s} {p.meaning}")
    return 0


def _batch_out(args: argparse.Namespace, exp: Any) -> Path:
    """The results folder of a batch (checked before any run), after the options shared by batch commands."""
    from simulation.runner.executors import DASK_HINT
    from simulation.runner.store import Store

    out: Path = args.out or Path("results") / exp.name
    Store.check_writable(out)
    if args.dask:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UsageError(f"--dask: {DASK_HINT}") from None
    print(
        f"{exp.name}: {len(exp.points)} design points x {exp.replications} replications = {exp.n_runs} runs -> {out}",
        file=sys.stderr,
    )
    return out


def _batch_options(args: argparse.Namespace) -> dict[str, Any]:
    """The shared batch options (``_opt_batch``) as the keywords every batch runner takes."""
    return {"workers": args.workers, "dask": args.dask, "force": args.force, "progress": not args.quiet}


def _batch(args: argparse.Namespace) -> int:
    from simulation.analysis.outcomes import format_summary, summary_table
    from simulation.runner import load_experiment, run_experiment

    exp = load_experiment(args.experiment, args.overrides, max_runs=args.max_runs)
    out = _batch_out(args, exp)
    results = run_experiment(exp, out, salvage=args.salvage, **_batch_options(args))
    print(format_summary(summary_table(results)))
    errors = results.manifest.get("errors", 0)
    if errors:
        print(f"{errors} runs raised; their errors are in {out}/runs.parquet (status, error)", file=sys.stderr)
    return 0


def _summarize(args: argparse.Namespace) -> int:
    from simulation.analysis.outcomes import format_summary, summary_table
    from simulation.runner import load_results
    from simulation.runner.store import verify_store

    results = load_results(args.dir)
    mf = results.manifest
    print(
        f"{mf['experiment']['name']}: {mf['n_runs']} runs, status {mf['status']}, seed {mf['seed']}, "
        f"package {mf['package_version']}"
    )
    print(format_summary(summary_table(results), limit=10_000))
    damaged = verify_store(args.dir, quick=True).problems  # sizes only: cheap, and catches truncation
    if damaged:
        print(
            f"warning: {len(damaged)} damaged part(s), e.g. {damaged[0]}; run `escalation verify {args.dir}`",
            file=sys.stderr,
        )
    return 0


def _verify(args: argparse.Namespace) -> int:
    from simulation.runner.store import verify_store

    v = verify_store(args.dir)
    for line in v.notes:
        print(f"note: {line}")
    for line in v.problems:
        print(f"damaged: {line}")
    c = v.counts
    runs = f"{c['complete']} complete, {c['error']} errors, {c['pending']} pending" if c else "runs unknown"
    if v.ok:
        print(f"{args.dir}: format {v.format}, {v.chunks} chunks ({runs}): every part matches its record")
        return 0
    print(f"{args.dir}: {len(v.problems)} problem(s); repair with: {v.repair}")
    return 1


def _out_folder(path: Path) -> Path:
    """A folder to write into, refused before any work if it is a file or cannot be written."""
    from simulation.runner.store import Store

    Store.check_writable(path)
    return path


def _plot(args: argparse.Namespace) -> int:
    from simulation.viz.figures import draw, load_for_plots
    from simulation.viz.plots import save

    results = load_for_plots(args.dir, where=args.where, points=args.points)
    out = _out_folder(args.out or args.dir / "figures")
    kinds = FIGURE_KINDS if args.kind == "all" else (args.kind,)
    written = []
    for kind in kinds:
        try:
            fig = draw(results, kind, metric=args.metric)
        except PlotError as e:
            if args.kind == "all":
                print(f"skipped {kind}: {e}", file=sys.stderr)
                continue
            raise
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{kind}.{args.format}"
        save(fig, path, args.format)
        written.append(path)
    for path in written:
        print(f"{path}  ({path.stat().st_size / 1024:.0f} kB)")
    return 0


def _report(args: argparse.Namespace) -> int:
    from simulation.viz.figures import load_for_plots
    from simulation.viz.report import write_report

    if (args.dir / "calibration.json").is_file():
        from simulation.viz.calibration_plots import write_calibration_report

        out = write_calibration_report(args.dir, args.out)
        print(f"{out}  ({out.stat().st_size / 1024:.0f} kB)")
        return 0
    results = load_for_plots(args.dir)
    out: Path = args.out or args.dir / "report.html"
    if out.is_dir():
        raise UsageError(f"{out}: the report's --out is a folder; give a file name, e.g. {out / 'report.html'}")
    _out_folder(out.parent)
    write_report(results, out)
    print(f"{out}  ({out.stat().st_size / 1024:.0f} kB)")
    return 0


def _demo(args: argparse.Namespace) -> int:
    import os
    import shutil
    import subprocess

    try:
        import solara  # noqa: F401
    except ImportError:
        raise UsageError('escalation demo: the dashboard needs the "viz" extra: pip install -e ".[viz]"') from None
    load_scenario(args.scenario)  # a bad name stops here, with its message
    exe = shutil.which("solara") or str(Path(sys.executable).with_name("solara"))
    env = {
        **os.environ,
        "ESCALATION_DEMO_SCENARIO": args.scenario,
        "ESCALATION_DEMO_PROJECTOR": "1" if args.projector else "",
    }
    url = f"http://{'localhost' if args.host in ('127.0.0.1', 'localhost') else args.host}:{args.port}"
    print(f"Escalation dashboard: open {url} (two scenarios side by side: {url}/compare); Ctrl-C stops it.", flush=True)
    cmd = [
        exe,
        "run",
        "simulation.app",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-open",
        "--log-level",
        "warning",
    ]
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _classroom(args: argparse.Namespace) -> int:
    import datetime
    import os
    import secrets
    import shutil
    import subprocess

    from simulation.runner.classroom import CODE_ALPHABET, CODE_LENGTH, STATE_FILE, Session

    try:
        import solara  # noqa: F401
    except ImportError:
        raise UsageError('escalation classroom: the pages need the "viz" extra: pip install -e ".[viz]"') from None
    if args.resume is not None:
        folder = args.resume
        saved = Session.resume(folder)  # a missing or unreadable session stops here, with its message
        code, name, months = saved.code, saved.scenario_name, saved.turn_months
    else:
        if args.scenario not in shipped_scenarios():
            raise UsageError(
                f"--scenario: {args.scenario!r} is not a shipped scenario; allowed: {', '.join(shipped_scenarios())}"
            )
        folder = args.out or Path("results") / f"classroom-{datetime.datetime.now():%Y%m%d-%H%M%S}"
        if (folder / STATE_FILE).exists():
            raise UsageError(f"--out: {folder} holds a session already; resume it with --resume {folder}")
        roles = [r.strip().upper() for r in args.roles.split(",") if r.strip()]
        Session(args.scenario, folder).check_roles(roles)  # a bad role stops here, with its message
        code, name, months = (
            "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)),
            args.scenario,
            args.turn_months,
        )
    port = args.port or _free_port(args.host)
    secret = secrets.token_urlsafe(18)
    env = {
        **os.environ,
        "ESCALATION_CLASSROOM_DIR": str(folder),
        "ESCALATION_CLASSROOM_RESUME": "1" if args.resume is not None else "",
        "ESCALATION_CLASSROOM_SCENARIO": name,
        "ESCALATION_CLASSROOM_SEED": str(args.seed),
        "ESCALATION_CLASSROOM_TURN_MONTHS": str(months),
        "ESCALATION_CLASSROOM_CODE": code,
        "ESCALATION_CLASSROOM_SECRET": secret,
        "ESCALATION_CLASSROOM_ROLES": args.roles,
    }
    local = args.host in ("127.0.0.1", "localhost", "::1")
    shown = "127.0.0.1" if local else args.host
    if not local:
        print(
            f"warning: listening on {args.host}: anyone on this network can open the join page "
            "(the room code and the instructor's secret still guard it); use the default 127.0.0.1 outside class",
            file=sys.stderr,
            flush=True,
        )
    print(f"Escalation classroom ({name}, a turn is {months} months); session folder {folder}", flush=True)
    print(f"instructor (keep this link to yourself): http://{shown}:{port}/?key={secret}", flush=True)
    print(f"join: http://{shown}:{port}/join", flush=True)
    print(f"room code: {code}", flush=True)
    exe = shutil.which("solara") or str(Path(sys.executable).with_name("solara"))
    cmd = [exe, "run", "simulation.classroom_app", "--host", args.host, "--port", str(port), "--production"]
    try:
        return subprocess.call([*cmd, "--no-open", "--log-level", "warning"], env=env)
    except KeyboardInterrupt:
        return 0


def _sensitivity(args: argparse.Namespace) -> int:
    from simulation.analysis.outcomes import check_outcomes
    from simulation.analysis.sensitivity import load_sensitivity_experiment, ranking, run_sensitivity
    from simulation.viz.plots import morris_plot, save, sensitivity_bars

    outcomes = check_outcomes(args.outcomes or SENSITIVITY_OUTCOMES)
    exp = load_sensitivity_experiment(args.experiment, args.method, args.overrides)
    out = _batch_out(args, exp)
    res = run_sensitivity(exp, out, outcomes=outcomes, **_batch_options(args))
    figs = res.folder / "figures"
    figs.mkdir(exist_ok=True)
    for o in outcomes:
        col = "ST" if res.method == "sobol" else "mu_star"
        sub = res.indices[res.indices["outcome"] == o].sort_values(col, ascending=False)
        print(f"\n{OUTCOMES[o].label} ({res.method}):")
        print(sub.drop(columns="outcome").head(10).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        fig = (sensitivity_bars if res.method == "sobol" else morris_plot)(res.indices, o, label=OUTCOMES[o].label)
        save(fig, figs / f"{o}.png")
        print(f"top 3 by {col}: {', '.join(ranking(res.indices, o, col))}")
    print(f"\nwrote {res.folder}/indices.parquet, indices.csv, second_order.*, figures/")
    return 0


def _discover(args: argparse.Namespace) -> int:
    from simulation.analysis.discovery import condition_mask, prim
    from simulation.analysis.outcomes import complete_runs
    from simulation.runner import load_results
    from simulation.viz.plots import peeling_trajectory, save

    results = load_results(args.dir)
    out = _out_folder(args.out or args.dir / "discovery")
    names = results.manifest["design"].get("parameters", [])
    if not names:
        raise AnalysisError(
            f"{args.dir} comes from a design that varied no parameter "
            f"(kind {results.manifest['design']['kind']!r}); discovery needs a grid, lhs, sobol, "
            "saltelli or morris experiment",
        )
    runs = complete_runs(results.runs)
    if runs.empty:
        raise AnalysisError(f"{args.dir} has no complete runs to search")
    y = condition_mask(runs, args.outcome)
    res = prim(runs[names].astype(float), y, alpha=args.alpha, min_coverage=args.min_coverage)
    outcome = args.outcome.strip()
    print(f"{int(y.sum())} of {len(y)} runs ({y.mean():.0%}) have {outcome}.")
    print("Chosen box: " + res.chosen.rules(outcome, res.ranges))
    out.mkdir(parents=True, exist_ok=True)
    save(peeling_trajectory(res.trajectory, res.chosen_step, outcome=outcome), out / "peeling.png")
    from simulation.runner.store import atomic_path

    with atomic_path(out / "trajectory.csv") as tmp:  # an interrupted run leaves no half-written table
        res.trajectory.to_csv(tmp, index=False)
    print(f"wrote {out}/peeling.png and trajectory.csv")
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from simulation.analysis.calibration import calibrate, load_calibration
    from simulation.runner.executors import DASK_HINT
    from simulation.viz.calibration_plots import draw_calibration

    cal = load_calibration(args.calibration, args.overrides)
    out = _out_folder(args.out or Path("results") / cal.name)
    if args.dask:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UsageError(f"--dask: {DASK_HINT}") from None
    s = cal.settings
    print(
        f"{cal.name}: ABC-SMC on {cal.full_scenario.name!r}, {len(cal.priors)} parameters, {s.population} particles "
        f"x up to {s.generations} generations, window {cal.window[0]} to {cal.window[1]} -> {out}",
        file=sys.stderr,
    )
    log = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    res = calibrate(
        cal,
        out,
        workers=args.workers,
        dask=args.dask,
        force=args.force,
        resume=args.resume,
        predictive=not args.no_predictive,
        log=log,
    )
    rec = res.record
    print(f"{len(rec['generations'])} generations, {rec['simulations']} runs, {rec['wall_time_s']:.0f} s "
          f"({rec['runs_per_second']:.0f} runs/s); stopped: {rec['stopped_because']}")  # fmt: skip
    for p in rec["parameters"]:
        tag = "identified" if p["identified"] else "assumption"
        print(
            f"  {p['parameter']:32s} median {p['posterior_median']:.3g}  90% [{p['posterior_q05']:.3g}, "
            f"{p['posterior_q95']:.3g}]  prior {p['prior']}  width ratio {p['width_ratio']:.2f} ({tag})"
        )
    for series, v in rec.get("predictive", {}).get("posterior", {}).items():
        prior = rec["predictive"]["prior"][series]
        print(f"  {series}: {v['coverage_90']:.0%} of observed months inside the posterior 90% band; mean width "
              f"{v['mean_width_90']:.3g} (prior {prior['mean_width_90']:.3g})")  # fmt: skip
    for path in draw_calibration(out):
        print(f"{path}  ({path.stat().st_size / 1024:.0f} kB)")
    return 0


def _hindcast(args: argparse.Namespace) -> int:
    from simulation.analysis.hindcast import run_hindcast

    if args.posterior is not None:
        return _hindcast_report(args, _posterior_hindcast(args), f"the posterior of {args.posterior}")
    res = run_hindcast(
        seeds=args.seeds,
        scenario=args.scenario,
        out=args.out,
        start=args.start,
        end=args.end,
        overrides=args.overrides,
        prepare=lambda exp: _batch_out(args, exp),
        **_batch_options(args),
    )
    return _hindcast_report(args, res, args.scenario)


def _posterior_hindcast(args: argparse.Namespace) -> Any:
    """The posterior predictive of a calibration folder, run and scored as a hindcast."""
    from simulation.analysis.calibration import open_calibration, posterior_predictive
    from simulation.analysis.hindcast import record_hindcast, scoring_window

    cal = open_calibration(args.posterior)
    window = scoring_window(args.start, args.end)
    out: Path = args.out or args.posterior / "hindcast"
    _out_folder(out)
    results, _ = posterior_predictive(args.posterior, draws=args.seeds, out=out, workers=args.workers, dask=args.dask)
    return record_hindcast(results, out, start=cal.start, label=f"posterior of {cal.name}", window=window)


def _hindcast_report(args: argparse.Namespace, res: Any, label: str) -> int:
    sc = res.score
    print(f"{label}: {sc.runs} runs scored on {sc.window[0]} to {sc.window[1]} against the observed series")
    print(sc.table()[["series", "months", "coverage", "median_error", "crps", "band_width"]].to_string(index=False))
    print(f"aid over the window: model median {sc.aid_ratio:.2f} x observed")
    print(f"no direct clash (rung >= 7): {sc.p_no_clash:.0%} of runs")
    print(f"a climb to nuclear signalling (rung >= 6) within two months of September 2022: {sc.p_signal_sep_2022:.0%}")
    fc = res.forecast
    print("\nskill as a forecast (CRPSS > 0: better than the baseline; brier_skill against the base rate):")
    print(fc.skill_table().to_string(index=False, float_format=lambda v: f"{v:.3g}", na_rep="-"))
    general = [n for n in fc.notes if not n.startswith(tuple(f"{s}, " for s in fc.bands["series"].unique()))]
    print("notes (each series' in hindcast.json):\n" + "\n".join(f"  {n}" for n in general))
    if getattr(args, "fit_observation", False):
        from simulation.analysis.hindcast import fit_store

        fitted, how = fit_store(res.results, end=sc.window[1])
        print(f"\nthe observation model fitted on {sc.window[0]} to {sc.window[1]} ({sc.runs} runs):")
        print("\n".join(f"  {k}: {v}" for k, v in how.items()))
        print(fitted.toml(), end="")
    from simulation.viz.hindcast import hindcast_figure
    from simulation.viz.plots import caption_text, save

    fig = hindcast_figure(
        res.results.steps, start=res.start, score=sc, forecast=fc, caption=caption_text(res.results.manifest)
    )
    save(fig, res.figure)
    written = ", ".join(str(res.folder / f) for f in ("hindcast.json", "bands.csv", "scores.csv"))
    print(f"wrote {res.figure}, {written}")
    return 0


_COMMANDS = {
    "run": _run,
    "scenarios": _scenarios,
    "explain": _explain,
    "params": _params,
    "batch": _batch,
    "summarize": _summarize,
    "verify": _verify,
    "plot": _plot,
    "report": _report,
    "demo": _demo,
    "classroom": _classroom,
    "hindcast": _hindcast,
    "sensitivity": _sensitivity,
    "discover": _discover,
    "calibrate": _calibrate,
}

if __name__ == "__main__":
    sys.exit(main())
