"""A per-deal distribution's parameters drawn once per run: what the format accepts, and every refusal, with
its key and line."""
import math

import pytest
from click.testing import CliRunner
from engine_helpers import smb_text

import cli
from simulator import parse_scenario
from simulator.scenario import ScenarioError, scenario_yaml
from simulator.scenario.distributions import DRAWN_PARAMETERS, Distribution

VALUE = "{lognormal: {median: {normal: {mean: 12000, sd: 400}, per: run}, sigma: {gamma: {mean: 0.46, sd: 0.024}, per: run}}, per: deal}"  # noqa: E501


def scenario(contract_value: str = VALUE, per_month: str = "300", extra: str = "") -> str:
    """A one-motion SMB scenario; the contract value is on line 7, the lead rate on line 6."""
    return smb_text(contract_value, per_month, extra)


def problem(text: str):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, source="drawn.yaml")
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


def test_the_example_is_valid_and_its_parameters_are_distributions_drawn_per_run():
    value = parse_scenario(scenario()).motions["smb"].deal.contract_value
    assert value.per == "deal" and set(value.drawn()) == {"median", "sigma"}
    assert value.drawn()["median"].normal.mean_ == 12000 and value.drawn()["sigma"].per == "run"
    # the checks read the drawn parameters at their medians
    assert value.typical().lognormal.median == pytest.approx(12000)
    assert value.typical().lognormal.sigma == pytest.approx(0.46, rel=0.01)


def test_a_left_out_per_is_run_and_the_file_round_trips():
    text = scenario("{lognormal: {median: {lognormal: {median: 12000, sigma: 0.03}}, sigma: 0.5}}")
    first = parse_scenario(text)
    assert first.motions["smb"].deal.contract_value.drawn()["median"].per == "run"
    again = parse_scenario(scenario_yaml(first))
    assert again == first and again.sha256 == first.sha256


def test_normal_and_gamma_parameters_may_be_drawn_too():
    for law in ("{normal: {mean: {uniform: {low: 900, high: 1100}}, sd: {gamma: {mean: 50, sd: 5}}, low: 0}}",
                "{gamma: {mean: {lognormal: {median: 1000, sigma: 0.1}}, sd: 300}}",
                "{gamma: {shape: {uniform: {low: 2, high: 3}}, scale: {constant: {value: 400}}}}"):
        assert parse_scenario(scenario(law + "")).motions["smb"].deal.contract_value.drawn()
    assert DRAWN_PARAMETERS["lognormal"] == ("median", "sigma", "mean", "sd")
    assert DRAWN_PARAMETERS["poisson"] == () and DRAWN_PARAMETERS["beta"] == ()


def test_a_set_replaces_a_drawn_parameter_with_a_number_by_its_path():
    changed = parse_scenario(scenario(), overrides=["motions.smb.deal.contract_value.lognormal.median=15000"])
    value = changed.motions["smb"].deal.contract_value
    assert value.lognormal.median == 15000 and list(value.drawn()) == ["sigma"]


REFUSED = [
    ("per deal inside", "{lognormal: {median: {normal: {mean: 12000, sd: 400}, per: deal}, sigma: 0.4}}",
     "per: deal is not possible here", "motions.smb.deal.contract_value.lognormal.median"),
    ("two levels", "{lognormal: {median: {lognormal: {median: {normal: {mean: 9, sd: 1}}, sigma: 0.1}}, "
                   "sigma: 0.4}}", "one level only", "motions.smb.deal.contract_value.lognormal.median"),
    ("can draw 0 or less", "{lognormal: {median: 12000, sigma: {normal: {mean: 0.46, sd: 0.2}}}}",
     "can draw -0.9469 (its 1e-12 quantile); expected > 0", "motions.smb.deal.contract_value.lognormal.sigma"),
    ("a percentile drawn", "{lognormal: {p5: {normal: {mean: 600, sd: 10}}, p95: 1800}}",
     "a percentile is a number", "motions.smb.deal.contract_value.lognormal.p5"),
    ("a parameter that cannot be drawn", "{poisson: {mean: {gamma: {mean: 3, sd: 1}}}}",
     "a poisson's mean cannot be drawn once per run (these can: normal mean, sd; lognormal median",
     "motions.smb.deal.contract_value.poisson.mean"),
    ("neither number nor distribution", "{lognormal: {median: true, sigma: 0.4}}",
     "expected a number or a distribution drawn once per run", "motions.smb.deal.contract_value.lognormal.median"),
    ("a bad inner distribution", "{lognormal: {median: {normal: {mean: 12000, sd: -4}}, sigma: 0.4}}",
     "greater than 0", "motions.smb.deal.contract_value.lognormal.median.normal.sd"),
    ("a truncation that leaves nothing at the medians",
     "{normal: {mean: {uniform: {low: 99000, high: 101000}}, sd: 10, low: 0, high: 1000}}",
     "leaves almost no probability (with the drawn parameters at their medians)",
     "motions.smb.deal.contract_value.normal"),
]


@pytest.mark.parametrize("value, says, path", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_a_bad_drawn_parameter_is_refused_at_its_key_and_line(value, says, path):
    found = problem(scenario(value))
    assert says in found.message and found.path == path and found.line == 7 and found.source == "drawn.yaml"


def test_a_distribution_drawn_per_run_cannot_have_drawn_parameters():
    found = problem(scenario(per_month="{lognormal: {median: {normal: {mean: 300, sd: 10}}, sigma: 0.2}}"))
    assert found.path == "motions.smb.leads.per_month" and found.line == 6
    assert "cannot have parameters drawn once per run (median): give them as numbers" in found.message
    found = problem(scenario("{lognormal: {median: {normal: {mean: 600, sd: 10}}, sigma: 0.2}, per: run}"))
    assert "draw it per: deal" in found.message and found.path == "motions.smb.deal.contract_value"


def test_a_correlation_may_name_a_drawn_parameter_but_not_a_number_of_a_per_deal_distribution():
    correlate = "correlations:\n  - between: [motions.smb.deal.contract_value.lognormal.{}, " \
                "motions.smb.leads.per_month]\n    rank: 0.5\n"
    per_month = "{gamma: {mean: 300, sd: 30}}"
    parse_scenario(scenario(per_month=per_month, extra=correlate.format("median")))
    found = problem(scenario("{lognormal: {median: {normal: {mean: 600, sd: 10}}, sigma: 0.3}}", per_month,
                             correlate.format("sigma")))
    assert found.path == "correlations.0.between.0" and "is a fixed number" in found.message


def test_validate_exits_2_with_one_line_and_no_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(scenario("{lognormal: {median: {normal: {mean: 12000, sd: 400}, per: deal}, sigma: 0.4}}"))
    result = CliRunner().invoke(cli.main, ["validate", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{path}:7: motions.smb.deal.contract_value.lognormal.median: a distribution's parameter is drawn " \
           "once per run" in result.output


def test_a_distribution_alone_may_carry_drawn_parameters():
    law = Distribution.model_validate({"gamma": {"mean": {"constant": {"value": 5}}, "sd": 2}, "per": "deal"})
    assert law.given({"mean": 5}) == Distribution.model_validate({"gamma": {"mean": 5, "sd": 2}, "per": "deal"})


def test_a_distribution_with_drawn_parameters_says_so_when_asked_for_its_mean_or_quantiles():
    law = parse_scenario(scenario()).motions["smb"].deal.contract_value
    for ask in (law.mean, lambda: law.ppf(0.5)):
        with pytest.raises(ValueError, match="lognormal's median and sigma are drawn once per run"):
            ask()
    assert law.typical().mean() == pytest.approx(12000 * math.exp(law.typical().lognormal.sigma ** 2 / 2))
