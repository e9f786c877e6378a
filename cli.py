"""The salesim command line: a thin shell over the ``simulator`` API.

Exit codes: 0 success; 1 a failure while running; 2 bad usage or an invalid
scenario; 130 interrupted (Ctrl-C); 143 terminated (SIGTERM). No input shows
a Python traceback unless ``--debug`` is given.
"""
from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

import simulator
from simulator.montecarlo.interrupts import Terminated, interruptible, sigint_handled
from simulator.montecarlo.runner import NotEnoughMemory
from simulator.scenario import ScenarioError


class _Group(click.Group):
    """Turns unexpected errors into a one-line message and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except Terminated:
            click.echo("terminated", err=True)
            sys.exit(143)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:  # the reader of our output went away (`salesim run | head`)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception as err:  # the last line of defence: report, never show a traceback
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"error: {type(err).__name__}: {err} (run with --debug for the traceback)", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(simulator.__version__, prog_name="salesim")
@click.option("--debug", is_flag=True, help="Show Python tracebacks on errors.")
@click.pass_context
def main(ctx, debug):
    """salesim: Monte Carlo simulation of enterprise vs SMB go-to-market bets."""
    ctx.ensure_object(dict)["debug"] = debug


def _print_problems(source, error: ScenarioError) -> None:
    """``source: invalid (N problems)`` and each problem on its own line, on stderr."""
    count = len(error.problems)
    click.echo(f"{source or 'the default scenario'}: invalid ({count} problem{'s' if count != 1 else ''})",
               err=True)
    for problem in error.problems:
        click.echo(f"  {problem}", err=True)


def _scenario_or_exit(source, overrides):
    """The scenario at ``source`` (None: the default one) with ``overrides``; its problems and exit 2 if invalid."""
    try:
        return simulator.load_scenario(source, overrides)
    except ScenarioError as err:
        _print_problems(source, err)
        sys.exit(2)


@main.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(scenarios):
    """Check scenario files; exit 0 when all are valid, 2 when any is not."""
    bad = 0
    for path in scenarios:
        try:
            scenario = simulator.load_scenario(path)
        except ScenarioError as err:
            bad += 1
            _print_problems(path, err)
        else:
            motions, strategies = len(scenario.motions), len(scenario.strategies)
            click.echo(f"{path}: valid ({motions} motion{'s' if motions != 1 else ''}, {strategies} "
                       f"strateg{'ies' if strategies != 1 else 'y'}, {scenario.horizon_months} months)")
    sys.exit(2 if bad else 0)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _default_out(scenario) -> Path:
    """results/<scenario name>-<UTC time>, with -2, -3... when a run started in the same second has it."""
    from simulator.montecarlo.results import unused_directory

    return unused_directory(Path("results") / f"{scenario.name}-{_utc_now().strftime('%Y%m%dT%H%M%SZ')}")


def _stopped(sigint) -> str:
    """How a simulation stopped by a signal reads: 'terminated' (SIGTERM) or 'interrupted' (Ctrl-C)."""
    return "terminated" if sigint is not None and sigint.terminated else "interrupted"


def _stop_code(sigint) -> int:
    """The exit code after a simulation stopped by a signal: 143 for SIGTERM, 130 for Ctrl-C."""
    return sigint.exit_code if sigint is not None else 130


def _check_out(out: Path) -> None:
    """Fail now (exit 2), not after the simulation, when ``out`` cannot take the results."""
    from simulator.montecarlo.results import check_output_directory

    try:
        check_output_directory(out)
    except OSError as err:
        raise click.BadParameter(str(err), param_hint="'--out'") from None


def _extras(no_plots: bool, no_xlsx: bool):
    """What ``Results.save`` writes besides the results: the charts and report, the workbook, or neither."""
    from simulator.present.report import write_outputs
    from simulator.present.workbook import write_workbook

    steps = [step for step, skip in ((write_outputs, no_plots), (write_workbook, no_xlsx)) if not skip]
    if not steps:
        return None
    return lambda results, directory: [step(results, directory) for step in steps]


def _save(results, out: Path, default_out: bool, no_plots: bool, no_xlsx: bool) -> Path:
    """Save the results (charts, report and workbook) into ``out``; if another run filled an explicit ``out``
    while this one ran, keep them in ``<out>-2`` and fail (exit 1) saying so."""
    from simulator.present.tables import comparison_table

    # Charts, report and workbook go into the same staging directory, renamed into place only when all is written.
    extras = _extras(no_plots, no_xlsx)
    try:
        return results.save(out, extras=extras, unique=default_out)
    except FileExistsError:
        kept = results.save(out, extras=extras, unique=True)
        click.echo(comparison_table(results))
        raise click.ClickException(f"--out '{out}' was filled by another run while this one was simulating; "
                                   f"the results were saved in '{kept}' instead") from None


def _parse_precision(ctx, param, texts):
    """--precision values as simulate's precision: None, a number or 'N%' (the key metrics), or a mapping
    from metric to an amount (float) or 'N%'; checked here, so that a typo fails before any run."""
    from simulator.montecarlo.precision import targets
    from simulator.montecarlo.statistics import KEY_METRICS

    bare, named = [], {}
    for text in texts:
        metric, _, target = text.rpartition("=")
        target = target.strip()
        if not target.endswith("%"):
            try:
                target = float(target)
            except ValueError:
                raise click.BadParameter(f"'{text}': {target!r} is not a number or a percentage such as 1%") from None
        if metric:
            if metric.strip() in named:   # the later would silently replace the earlier
                first = next(t for t in texts if t.rpartition("=")[0].strip() == metric.strip())
                raise click.BadParameter(f"'{text}': {metric.strip()} already has a target ('{first}'): give one "
                                         "per metric")
            named[metric.strip()] = target
        else:
            bare.append(target)
    if len(bare) > 1:
        raise click.BadParameter(f"{len(bare)} targets for the key metrics ({', '.join(map(str, bare))}): give one")
    if named and bare:   # in a mapping a number is an amount: the bare share becomes 'N%'
        share = bare[0] if isinstance(bare[0], str) else f"{bare[0] * 100:.15g}%"
        precision = {**{m: share for m in KEY_METRICS}, **named}
    else:
        precision = named or (bare[0] if bare else None)
    try:
        targets(precision)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None
    return precision


def _scheduler_address(ctx, param, value):
    """--scheduler as given, once it is a scheduler address (tcp://host:8786): checked here, before any run."""
    if value is not None and "://" not in value:
        raise click.BadParameter(f"{value!r} is not a scheduler address: expected PROTOCOL://HOST:PORT, such as "
                                 "tcp://host:8786 (for a local cluster, give --dask)")
    return value


@main.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--runs", type=click.IntRange(min=1), help="Runs of each strategy (default: the scenario's runs).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Root seed (default: the scenario's seed).")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: every core).")
@click.option("--dask", is_flag=True, help="Run on a Dask LocalCluster of --workers workers.")
@click.option("--scheduler", metavar="ADDRESS", callback=_scheduler_address,
              help="Run on an existing Dask cluster, e.g. tcp://host:8786.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Output directory (default: results/<scenario name>-<UTC time>/).")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE",
              help="Change a scenario key, e.g. motions.enterprise.team.reps=4 (repeatable).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--precision", multiple=True, metavar="[METRIC=]TARGET", callback=_parse_precision,
              help="Run batch after batch until the 95% CI of the mean is this tight for every strategy. "
                   "0.01 or 1%: within 1% of |mean| for revenue, npv, ending_cash and capital_needed. "
                   "npv=50000: within ±50,000 in the metric's unit; npv=1%: within 1% of its |mean|. "
                   "Repeatable; metrics named watch only those (a bare TARGET adds the four above).")
@click.option("--max-runs", type=click.IntRange(min=1),
              help="With --precision: stop at this many runs (default 100,000).")
@click.option("--no-plots", is_flag=True, help="Save the results only: no charts and no report.html.")
@click.option("--no-xlsx", is_flag=True, help="No results.xlsx workbook.")
def run(scenario, runs, seed, workers, dask, scheduler, out, overrides, quiet, precision, max_runs, no_plots,
        no_xlsx):
    """Simulate every strategy of SCENARIO (default: the bundled one), compare them, save the results."""
    from simulator.montecarlo.progress import ProgressBar
    from simulator.present.tables import comparison_table, worth_learning_line

    if dask and scheduler:
        raise click.UsageError("--dask starts a local cluster and --scheduler uses an existing one: give one")
    if max_runs is not None and not precision:
        raise click.UsageError(f"--max-runs {max_runs} applies only with --precision")
    loaded = _scenario_or_exit(scenario, overrides)
    default_out = not out
    out = _default_out(loaded) if default_out else Path(out)
    _check_out(out)
    bar = None if quiet else ProgressBar(sys.stderr)
    # Once a run has finished, Ctrl-C ends in the table of the finished runs and exit 130, however many
    # times it comes: simulate counts a further SIGINT rather than raise it, and so does this until printed.
    with sigint_handled() as sigint:
        try:
            results = simulator.simulate(loaded, runs=runs, seed=seed, workers=workers,
                                         executor="dask" if dask else scheduler or "auto", precision=precision,
                                         max_runs=max_runs, progress=bar)
        except NotEnoughMemory as err:
            raise click.UsageError(f"{err}; ask for fewer runs (--runs), or use --precision with --max-runs") \
                from None
        finally:
            if bar is not None:
                bar.close()
        if results.partial:
            click.echo(comparison_table(results))
            click.echo(f"{_stopped(sigint)}: the table shows the runs completed so far; nothing was saved", err=True)
            sys.exit(_stop_code(sigint))
        try:
            with interruptible(sigint):
                out = _save(results, out, default_out, no_plots, no_xlsx)
        except KeyboardInterrupt:
            click.echo(comparison_table(results))
            click.echo(f"{_stopped(sigint)} while saving: the table shows every run; nothing was saved", err=True)
            sys.exit(_stop_code(sigint))
        click.echo(comparison_table(results))
        worth = worth_learning_line(results)
        if worth:
            click.echo(f"\n{worth}")
        rule = results.provenance.get("stopping_rule") or {}
        if rule.get("rule") == "memory":   # the table's heading tells only of the precision and max-runs stops
            click.echo(f"\n{rule['description']}")
    click.echo(f"\nresults: {out}/")
    if not no_plots:
        click.echo(f"report:  {out / 'report.html'}")
    if not no_xlsx:
        click.echo(f"workbook: {out / 'results.xlsx'}")


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def report(directory):
    """Redraw the charts and report.html of a saved results DIRECTORY, without running anything.

    The whole directory is checked first (exit 2, nothing redrawn, when a file is damaged, the files disagree,
    or scenario.yaml was edited after the run); the charts replace the old ones only once all are drawn.
    """
    from simulator.present.report import write_outputs

    results = _saved_results(directory, "nothing redrawn")
    try:
        files = write_outputs(results, directory)
    except IsADirectoryError as err:
        _fail(str(err))
    click.echo(f"{len(files) - 1} chart files and {Path(directory) / 'report.html'}")


def _saved_results(directory, unchanged: str):
    """The results saved in ``directory``; exit 2 saying what is wrong (and ``unchanged``) when it is not a
    results directory or is damaged."""
    from simulator.montecarlo.results import DamagedResults

    try:
        return simulator.Results.load(directory)
    except FileNotFoundError as err:  # names the files that are missing
        raise click.BadParameter(str(err), param_hint="DIRECTORY") from None
    except DamagedResults as err:
        count = len(err.problems)
        click.echo(f"{directory}: damaged, {unchanged} ({count} problem{'s' if count != 1 else ''})", err=True)
        for problem in err.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(2)
    except OSError as err:  # the directory itself cannot be listed or opened
        raise click.BadParameter(f"'{directory}' cannot be read as salesim results: {err}",
                                 param_hint="DIRECTORY") from None


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--xlsx", is_flag=True, help="Write results.xlsx, the workbook (the one format so far).")
def export(directory, xlsx):
    """Write another view of a saved results DIRECTORY into it, without running anything: --xlsx the workbook
    results.xlsx (replacing one there only once the new one is complete).

    The whole directory is checked first (exit 2, nothing written, when a file is damaged, the files disagree,
    or scenario.yaml was edited after the run).
    """
    from simulator.present.workbook import write_workbook

    if not xlsx:
        raise click.UsageError("say what to export: --xlsx (the workbook results.xlsx)")
    results = _saved_results(directory, "nothing written")
    try:
        click.echo(f"workbook: {write_workbook(results, directory)}")
    except IsADirectoryError as err:
        _fail(str(err))


def _load_for_sensitivity(source, runs, seed, overrides):
    """A results directory as saved, or the scenario to simulate (None): (results, scenario)."""
    from simulator.montecarlo.results import DamagedResults

    if source is not None and Path(source).is_dir():
        given = [name for name, value in (("--runs", runs), ("--seed", seed), ("--set", overrides)) if value]
        if given:
            raise click.UsageError(f"{', '.join(given)} change a simulation; '{source}' is saved results, "
                                   "analysed as they are")
        try:
            return simulator.Results.load(source), None
        except (FileNotFoundError, DamagedResults) as err:
            _fail(str(err))
    return None, _scenario_or_exit(source, overrides)


def _fail(message: str):
    """Bad input (exit 2) told in one line, without the usage text."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@main.command()
@click.argument("source", metavar="[SCENARIO | RESULTS_DIR]", required=False, type=click.Path())
@click.option("--metric", "metrics", multiple=True, metavar="NAME",
              help="Metric to explain, e.g. npv, revenue, capital_needed, enterprise.win_rate (repeatable; "
                   "default npv).")
@click.option("--strategy", "strategies", multiple=True, metavar="NAME",
              help="Only this strategy (repeatable; default every strategy and the difference of the first two).")
@click.option("--versus", nargs=2, metavar="A B", help="Also explain the per-run difference A - B of the metric.")
@click.option("--runs", type=click.IntRange(min=2), help="Runs of each strategy (default: the scenario's runs).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Root seed (default: the scenario's seed).")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Change a scenario key (repeatable).")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: every core).")
@click.option("--swing-runs", type=click.IntRange(min=2), default=200, show_default=True,
              help="Runs simulated with each input at its P10 and again at its P90 (the first runs again).")
@click.option("--no-swing", is_flag=True, help="Rank correlations only: no further simulation.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Inputs shown per table.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Write sensitivity.csv, sensitivity.json and the tornado charts (PNG, SVG) into this directory.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def sensitivity(source, metrics, strategies, versus, runs, seed, overrides, workers, swing_runs, no_swing, top, out,
                quiet):
    """What drives the result: each uncertain input's rank correlation with a metric, its share of the
    variance, and the swing of the metric's mean with the input at its P10 and P90, for every strategy and for
    the difference between two.

    SCENARIO is simulated first (default: the bundled one); a RESULTS_DIR saved by `salesim run` is analysed
    as it is, with no new runs but those of the swing.
    """
    from simulator.analysis.sensitivity import SensitivityError, check_request
    from simulator.montecarlo.progress import ProgressBar
    from simulator.present.tables import sensitivity_table
    from simulator.present.tornado import write_tornados

    if no_swing and click.get_current_context().get_parameter_source("swing_runs") \
            is not click.core.ParameterSource.DEFAULT:
        raise click.UsageError(f"--swing-runs {swing_runs} sets the runs of the swing, which --no-swing skips: "
                               "give one")
    results, scenario = _load_for_sensitivity(source, runs, seed, overrides)
    request = {"metrics": list(metrics) or ["npv"], "strategies": list(strategies) or None,
               "versus": tuple(versus) if versus else (None if not strategies else False)}
    try:
        check_request(scenario or results.scenario, **request)
    except SensitivityError as err:
        _fail(str(err))
    if out:
        _check_out(Path(out))
    if results is None:
        bar = None if quiet else ProgressBar(sys.stderr)
        with sigint_handled() as sigint:
            try:
                results = simulator.simulate(scenario, runs=runs, seed=seed, workers=workers, progress=bar)
            except NotEnoughMemory as err:
                raise click.UsageError(f"{err}; ask for fewer runs (--runs)") from None
            finally:
                if bar is not None:
                    bar.close()
        if results.partial:
            click.echo(f"{_stopped(sigint)}: nothing was analysed", err=True)
            sys.exit(_stop_code(sigint))
    bar = None if quiet or no_swing else ProgressBar(sys.stderr)
    try:
        found = simulator.sensitivity(results, swing=not no_swing, swing_runs=swing_runs, workers=workers,
                                      progress=bar, **request)
    except SensitivityError as err:
        _fail(str(err))
    finally:
        if bar is not None:
            bar.close()
    click.echo("\n\n".join(sensitivity_table(found, metric, top) for metric in found.metrics))
    if out:
        saved = found.save(out, extras=write_tornados)
        click.echo(f"\nsensitivity: {saved}/")


def _check_set_and_vary(overrides, varied) -> None:
    """UsageError when a --set reaches a key that --vary varies (or the section holding it, or a key within it):
    the varied values would silently replace the one set."""
    for item in overrides:
        set_path = item.partition("=")[0].strip()
        for path in varied:
            if f"{set_path}.".startswith(f"{path}.") or f"{path}.".startswith(f"{set_path}."):
                raise click.UsageError(f"--set {item} and --vary {path} change the same key: the values varied would "
                                       "replace the one set; give it once")


def _default_sweep_out(scenario) -> Path:
    """results/<scenario name>-sweep-<UTC time>, with -2, -3... when a sweep started in the same second has it."""
    from simulator.montecarlo.results import unused_directory

    return unused_directory(Path("results") / f"{scenario.name}-sweep-{_utc_now().strftime('%Y%m%dT%H%M%SZ')}")


@main.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--vary", "vary", multiple=True, required=True, metavar="PATH=VALUES",
              help="A numeric key and its values: a list (motions.enterprise.team.reps=2,4,6,8) or a range "
                   "FROM..TO:STEP (company.starting_cash=1e6..3e6:5e5). Repeat for a grid of every combination.")
@click.option("--runs", type=click.IntRange(min=1),
              help="Runs of each strategy at each point (default: the scenario's).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Root seed of every point (default: the scenario's).")
@click.option("--metric", "metrics", multiple=True, metavar="NAME",
              help="Metric to collect (repeatable; default the key metrics: revenue, npv, ending_cash, "
                   "capital_needed).")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE",
              help="Change a scenario key at every point (repeatable).")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: every core).")
@click.option("--dask", is_flag=True, help="Run every point on one Dask LocalCluster of --workers workers.")
@click.option("--scheduler", metavar="ADDRESS", callback=_scheduler_address,
              help="Run every point on an existing Dask cluster, e.g. tcp://host:8786.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Output directory (default: results/<scenario name>-sweep-<UTC time>/).")
@click.option("--no-plots", is_flag=True, help="Write the files only: no charts and no report.html.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def sweep(scenario, vary, runs, seed, metrics, overrides, workers, dask, scheduler, out, no_plots, quiet):
    """What if: simulate SCENARIO (default: the bundled one) at every value of one or more numeric keys, every
    point with the same seed (common random numbers), and save sweep.csv, sweep.json, each point's summary, the
    charts and report.html."""
    from simulator.analysis.sweep import SweepError, sweep_points
    from simulator.montecarlo.progress import ProgressBar
    from simulator.present.sweep import write_sweep_outputs
    from simulator.present.tables import sweep_table

    if dask and scheduler:
        raise click.UsageError("--dask starts a local cluster and --scheduler uses an existing one: give one")
    _check_set_and_vary(overrides, [v.partition("=")[0].strip() for v in vary])
    loaded = _scenario_or_exit(scenario, overrides)
    try:
        sweep_points(loaded, vary)   # bad paths and values fail here, before the output directory is chosen
    except SweepError as err:
        _fail(str(err))
    out = _default_sweep_out(loaded) if not out else Path(out)
    _check_out(out)
    bar = None if quiet else ProgressBar(sys.stderr)
    try:
        found = simulator.sweep(loaded, vary, runs=runs, seed=seed, metrics=list(metrics) or None, workers=workers,
                                executor="dask" if dask else scheduler or "auto", progress=bar)
    except SweepError as err:
        _fail(str(err))
    except NotEnoughMemory as err:
        raise click.UsageError(f"{err}; ask for fewer runs (--runs)") from None
    finally:
        if bar is not None:
            bar.close()
    metric = "npv" if "npv" in found.metrics else found.metrics[0]
    click.echo(sweep_table(found, metric))
    saved = found.save(out, extras=None if no_plots else write_sweep_outputs)
    click.echo(f"\nsweep: {saved}/")


def _default_seek_out(scenario) -> Path:
    """results/<scenario name>-seek-<UTC time>, with -2, -3... when a seek started in the same second has it."""
    from simulator.montecarlo.results import unused_directory

    return unused_directory(Path("results") / f"{scenario.name}-seek-{_utc_now().strftime('%Y%m%dT%H%M%SZ')}")


@main.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--vary", "path", required=True, metavar="PATH",
              help="The numeric key to search, e.g. company.starting_cash or motions.enterprise.team.reps.")
@click.option("--target", required=True, metavar="EXPRESSION",
              help="What the strategy's runs must show: 'P(cash_out) <= 0.05', 'p95(capital_needed) <= 2e6', "
                   "'p50(ending_arr) >= 3e6', 'P(npv < 0) <= 0.2', or 'mean(npv) max'.")
@click.option("--low", type=float, help="Lowest value searched (default: the key's lower limit, if it has one).")
@click.option("--high", type=float, help="Highest value searched (default: the key's upper limit, if it has one).")
@click.option("--minimize", "minimize", is_flag=True,
              help="For a threshold target: the smallest value that meets it (the default).")
@click.option("--maximize", "maximize", is_flag=True,
              help="For a threshold target: the largest value that meets it.")
@click.option("--strategy", metavar="NAME", help="The strategy whose runs the target reads (default: the only one).")
@click.option("--runs", type=click.IntRange(min=2), help="Runs at each value tried (default: the scenario's).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 2),
              help="Seed of every value tried (default: the scenario's); the answer is checked with seed + 1.")
@click.option("--tolerance", type=click.FloatRange(min=0, min_open=True),
              help="For a key that is not a whole number: stop when the search is this narrow "
                   "(default: 1/1000 of HIGH - LOW).")
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE",
              help="Change a scenario key at every value tried (repeatable).")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: every core).")
@click.option("--out", type=click.Path(file_okay=False),
              help="Output directory (default: results/<scenario name>-seek-<UTC time>/).")
@click.option("--no-plots", is_flag=True, help="Save seek.json and evaluations.csv only: no chart or report.html.")
def seek(scenario, path, target, low, high, minimize, maximize, strategy, runs, seed, tolerance, overrides, workers,
         out, no_plots):
    """Goal seek: the value of one numeric key of SCENARIO (default: the bundled one) that meets a target,
    every value tried with the same seed (common random numbers); the answer is simulated again with fresh
    seeds and reported with its 95% interval. Saves seek.json, evaluations.csv, the search's chart and
    report.html."""
    from simulator.analysis.sweep import SweepError   # SeekError is one
    from simulator.present.seek import write_seek_outputs

    if minimize and maximize:
        raise click.UsageError("--minimize and --maximize ask for opposite ends: give one")
    direction = "minimize" if minimize else "maximize" if maximize else None
    _check_set_and_vary(overrides, [path.strip()])
    loaded = _scenario_or_exit(scenario, overrides)
    out = _default_seek_out(loaded) if not out else Path(out)
    _check_out(out)
    try:
        found = simulator.seek(loaded, path, target, low, high, strategy=strategy, direction=direction, runs=runs,
                               seed=seed, tolerance=tolerance, workers=workers)
    except SweepError as err:
        _fail(str(err))
    except NotEnoughMemory as err:
        raise click.UsageError(f"{err}; ask for fewer runs (--runs)") from None
    click.echo(repr(found))
    saved = found.save(out, extras=None if no_plots else write_seek_outputs)
    click.echo(f"\nseek: {saved}/")
    if not no_plots:
        click.echo(f"report: {saved / 'report.html'}")


@main.command()
@click.argument("export", type=click.Path(dir_okay=False))
@click.option("--motion", metavar="NAME", help="Name of the fitted motion (default: its --type; with --scenario, the "
                                               "motion of that name is replaced, and must be one of its motions).")
@click.option("--type", "kind", type=click.Choice(["enterprise", "midmarket", "smb"]),
              help="Type of the fitted motion (default: the replaced motion's, else smb).")
@click.option("--columns", metavar="FIELD=COLUMN,...",
              help="Columns of another layout: created, closed, stage, amount, won, is_closed, stage_reached "
                   "(e.g. created=engage_date,closed=close_date,stage=deal_stage,amount=close_value).")
@click.option("--won-stage", "won_stages", multiple=True, metavar="LABEL", help="A stage that means won (repeatable).")
@click.option("--lost-stage", "lost_stages", multiple=True, metavar="LABEL",
              help="A stage that means lost (repeatable).")
@click.option("--dayfirst/--monthfirst", default=None,
              help="Read 03/04/2024 as 3 April (--dayfirst) or 4 March (--monthfirst); needed only when every "
                   "date could be read either way.")
@click.option("--by", metavar="COLUMN", help="Fit one motion per value of this column (e.g. \"Lead Source\").")
@click.option("--stage-map", metavar="LABEL=STAGE,...",
              help="The model stage (meeting, demo, technical, procurement, order) of each label of the "
                   "stage-reached column (--columns stage_reached=COLUMN).")
@click.option("--as-of", metavar="DATE", help="The day the export was taken (default: its latest date).")
@click.option("--scenario", "base", type=click.Path(dir_okay=False),
              help="Write this whole scenario with the fitted motion in place of its motion of the same name.")
@click.option("--out", type=click.Path(dir_okay=False), default="fitted.yaml", show_default=True,
              help="The fitted scenario.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="The fit report (default: fit.html beside --out).")
@click.option("--no-report", is_flag=True, help="Write the fitted scenario only: no fit report.")
@click.option("--backtest", metavar="DATE",
              help="Also fit the history before DATE (2024-01-31), simulate the months after it and report how "
                   "the actual months fell within the simulated bands.")
@click.option("--runs", type=click.IntRange(min=10), default=500, show_default=True, help="Runs of the backtest.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=1, show_default=True,
              help="Root seed of the backtest.")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes of the backtest (default: every core).")
def fit(export, motion, kind, columns, won_stages, lost_stages, dayfirst, by, stage_map, as_of, base, out,
        report_path, no_report, backtest, runs, seed, workers):
    """Fit a scenario to a CRM export (one row per opportunity): opportunities per month, win rate, won and
    lost cycle lengths with open deals censored, contract value, each with the uncertainty of the data; write
    it with a comment per key, and the fit report (fit.html). --backtest DATE checks it against the months
    after DATE."""
    from simulator.fit import ExportError, FitError, fit_export, parse_columns, read_export
    from simulator.fit.backtest import backtest as run_backtest
    from simulator.fit.export import parse_date, parse_stage_map
    from simulator.fit.fitting import check_motion_name, check_replaced_motion, summary_lines, write_text
    from simulator.fit.report import write_fit_report
    from simulator.montecarlo.results import check_output_directory, unused_directory

    if motion is not None:
        try:
            check_motion_name(motion)
        except FitError as err:
            _fail(str(err))
    base_scenario = _scenario_or_exit(base, ()) if base else None
    if base_scenario is not None and motion is not None:
        try:
            check_replaced_motion(motion, list(base_scenario.motions), base)
        except FitError as err:
            _fail(str(err))
    # Both files are written after the fit: fail now (exit 2, nothing written) if either cannot be, with the
    # check `run --out` makes (a file already there is replaced, so its directory is what must be writable).
    report_path = None if no_report else Path(report_path or Path(out).with_name("fit.html"))
    if report_path is not None and report_path.resolve() == Path(out).resolve():
        raise click.BadParameter(f"'{report_path}' is also --out: the report would replace the fitted scenario",
                                 param_hint="'--report'")
    for option, path in (("--out", Path(out)), ("--report", report_path)):
        if path is not None and path.resolve() == Path(export).resolve():
            raise click.BadParameter(f"'{path}' is the export being fitted: it would be replaced",
                                     param_hint=f"'{option}'")
    for option, path in (("--out", Path(out)), ("--report", report_path)):
        if path is None:
            continue
        if path.is_dir():
            raise click.BadParameter(f"'{path}' is a directory", param_hint=f"'{option}'")
        probe = unused_directory(path.with_name(f".{path.name}.partial")) if os.path.lexists(path) else path
        try:
            check_output_directory(probe)
        except OSError as err:
            raise click.BadParameter(str(err).replace(str(probe), str(path)), param_hint=f"'{option}'") from None
    try:
        if base_scenario is not None and motion is None:
            if len(base_scenario.motions) != 1:
                raise FitError(f"--motion: which motion of {base} does the fit replace? "
                               f"({', '.join(base_scenario.motions)})")
            motion = next(iter(base_scenario.motions))
        if kind is None:
            replaced = base_scenario.motions.get(motion) if base_scenario is not None else None
            kind = replaced.type if replaced is not None else "smb"
        cutoff = parse_date(backtest, "--backtest") if backtest else None
        data = read_export(export, parse_columns(columns), won_stages, lost_stages, dayfirst, by, as_of,
                           parse_stage_map(stage_map))
        fitted = fit_export(data, motion or kind, kind, by=by is not None, base=base)
        found = run_backtest(data, cutoff, motion or kind, kind, by=by is not None, runs=runs, seed=seed,
                             workers=workers) if backtest else None
    except (ExportError, FitError) as err:
        _fail(str(err))
    except NotEnoughMemory as err:
        raise click.UsageError(f"{err}; ask for fewer runs (--runs)") from None
    text = fitted.scenario_text()
    fitted.scenario()   # the fitted scenario is valid, or this is a bug (exit 1)
    click.echo("\n".join(summary_lines(fitted)))
    if found is not None:
        click.echo("\n" + "\n".join(found.lines()))
    write_text(out, text)
    click.echo(f"\nfitted scenario: {out}")
    if report_path is not None:
        report_path = write_fit_report(fitted, report_path, found)
        click.echo(f"fit report: {report_path}")


if __name__ == "__main__":
    main()
