"""The salesim command line: a thin shell over the ``simulator`` API.

Exit codes: 0 success; 1 a failure while running; 2 bad usage or an invalid
scenario; 130 interrupted. No input shows a Python traceback unless
``--debug`` is given.
"""
from __future__ import annotations

import sys

import click

import simulator
from simulator.scenario import ScenarioError


class _Group(click.Group):
    """Turns unexpected errors into a one-line message and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
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


def _print_problems(error: ScenarioError) -> None:
    for problem in error.problems:
        click.echo(f"  {problem}", err=True)


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
            count = len(err.problems)
            click.echo(f"{path}: invalid ({count} problem{'s' if count != 1 else ''})", err=True)
            _print_problems(err)
        else:
            click.echo(f"{path}: valid ({len(scenario.motions)} motions, {len(scenario.strategies)} strategies, "
                       f"{scenario.horizon_months} months)")
    sys.exit(2 if bad else 0)


if __name__ == "__main__":
    main()
