"""docs/value-of-information.md: its Python example runs as written (with fewer runs, on one process), and what it
says of a choice between two of the strategies holds."""
from __future__ import annotations

import pytest
from guide_helpers import run_guide_example
from montecarlo_helpers import fast_scenario

import simulator
from simulator.present.tables import worth_learning_line, worth_learning_text


@pytest.mark.slow
def test_the_guide_example_runs(tmp_path, monkeypatch, capsys):
    run_guide_example("value-of-information.md", [], 40, tmp_path, monkeypatch)
    printed = capsys.readouterr().out
    assert "<ValueOfInformation enterprise_vs_smb: npv over 40 runs; today's choice " in printed
    assert sorted(p.name for p in (tmp_path / "results" / "worth").iterdir()) == [
        "value_of_information.csv", "value_of_information.json"]


def test_two_of_the_strategies_get_what_a_run_of_those_two_alone_gets():
    full = simulator.simulate(fast_scenario(), runs=40, seed=5, workers=1)
    pair = ["enterprise", "smb"]
    alone = full.scenario.with_values({"strategies": {s: full.scenario.strategies[s].as_data() for s in pair}})
    by_itself = simulator.simulate(alone, runs=40, seed=5, workers=1)
    chosen = simulator.value_of_information(full, strategies=pair)
    assert by_itself.summary["value_of_information"] == chosen.as_dict()
    assert worth_learning_line(by_itself) == worth_learning_text(chosen)
