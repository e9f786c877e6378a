"""Funding rounds and runway rules: cash identities, bridges against the unfunded cash path, replanning that
leaves the months before it untouched, hysteresis on a hand-solved burn, and runs without them unchanged."""
import hashlib
import math
from types import SimpleNamespace

import numpy as np
import pytest
import yaml

from engine_helpers import scenario_from
from simulator import load_scenario, parse_scenario
from simulator.engine import MotionRun, run_strategies, run_strategy, simulate_motion
from simulator.engine.motion import kept_leads, lead_arrival_days
from simulator.engine.plan import MotionPlan, runway
from simulator.engine.resolve import correlated_uniforms
from simulator.engine.streams import PURPOSES, motion_streams, run_sequence
from simulator.engine.team import team_schedule
from simulator.scenario import default_scenario_path

SCENARIOS = default_scenario_path().parents[2] / "scenarios"

# Regression: digests of runs 0-2 of every bundled scenario (every series, cost and metric of every
# strategy), computed with the engine before funding and rules existed (commit c3a6e2c, which counts SMB
# referrals from paying customers). A scenario without them must give exactly those numbers.
BEFORE_FUNDING = {
    "enterprise.yaml": ["fe93ae0deae3fb9f", "15be953d7b3879b9", "65248465f0da285d"],
    "enterprise_vs_smb.yaml": ["4252048179db4adf", "5c144e1c1a5e87f9", "1fdb91b71c15975e"],
    "midmarket.yaml": ["207aae7143fe11aa", "1df90060bd21fa92", "f3d81ac6151b5b78"],
    "smb.yaml": ["9671bb38735c8dfc", "6ac2d40ba2d52d06", "35895a89def56241"],
}


def _digest(results: dict) -> str:
    h = hashlib.sha256()
    for s in sorted(results):
        r = results[s]
        for table in (r.monthly, r.costs):
            for k in sorted(table):
                h.update(k.encode())
                h.update(np.ascontiguousarray(table[k], dtype=np.float64).tobytes())
        for k in sorted(r.metrics):
            h.update(k.encode())
            h.update(np.float64(r.metrics[k]).tobytes())
    return h.hexdigest()[:16]


@pytest.mark.parametrize("file", sorted(BEFORE_FUNDING))
def test_a_scenario_without_funding_or_rules_gives_exactly_the_results_from_before_them(file):
    scenario = load_scenario(SCENARIOS / file)
    assert [_digest(run_strategies(scenario, run)) for run in range(3)] == BEFORE_FUNDING[file]


def test_a_new_stream_purpose_leaves_every_other_stream_unchanged():
    """Appending to PURPOSES spawns one more child; the first children are those of the shorter list."""
    assert PURPOSES[-1] == "marketing"
    before = run_sequence(7, 3, "smb").spawn(len(PURPOSES) - 1)
    streams = motion_streams(7, 3, "smb")
    for purpose, child in zip(PURPOSES, before):
        if purpose != "deals":
            assert np.array_equal(streams[purpose].random(5), np.random.Generator(np.random.PCG64(child)).random(5))


def _data(file: str) -> dict:
    return yaml.safe_load((SCENARIOS / file).read_text())


def _with(data: dict, **top) -> object:
    return parse_scenario(yaml.safe_dump({**data, **top}, sort_keys=False))


def _funded(data: dict, funding: list, policies=None, **company):
    data = {**data, "company": {**data.get("company", {}), **company, "funding": funding}}
    if policies is not None:
        data["policies"] = policies
    return parse_scenario(yaml.safe_dump(data, sort_keys=False))


def test_a_round_without_a_condition_adds_exactly_its_amount_to_cash_from_its_month():
    data = _data("enterprise_vs_smb.yaml")
    plain = _with(data)
    funded = _funded(data, [{"name": "seed", "amount": 1_500_000, "month": 5}])
    for run in range(2):
        before, after = run_strategies(plain, run), run_strategies(funded, run)
        for strategy, result in after.items():
            base = before[strategy]
            gap = result.monthly["cash"] - base.monthly["cash"]
            assert np.all(gap[:4] == 0)
            np.testing.assert_allclose(gap[4:], 1_500_000, rtol=0, atol=1e-6)
            for name, series in base.monthly.items():
                if name != "cash":
                    assert np.array_equal(series, result.monthly[name]), name
            assert result.monthly["funding"].tolist() == [0] * 4 + [1_500_000] + [0] * 31
            m, b = result.metrics, base.metrics
            assert m["round.seed"] == 1 and m["funding_received"] == 1_500_000
            assert m["capital_needed"] == b["capital_needed"] and m["npv"] == b["npv"]
            assert m["ending_cash"] == pytest.approx(b["ending_cash"] + 1_500_000, abs=1e-6)
            assert m["new_money_needed"] == pytest.approx(max(0.0, b["new_money_needed"] - 1_500_000), abs=1e-6)


def test_a_bridge_comes_exactly_in_the_runs_whose_cash_falls_under_its_threshold():
    """Seed 1M in month 1; bridge 500k the first month cash < 300k: read off each run's unfunded cash path."""
    data = _data("enterprise_vs_smb.yaml")
    data["company"] = {**data["company"], "starting_cash": 500_000}
    plain = _with(data)
    funded = _funded(data, [{"name": "seed", "amount": 1_000_000, "month": 1},
                            {"name": "bridge", "amount": 500_000, "window": [1, 36], "when": "cash < 3e5"}])
    seen = set()
    for run in range(6):
        before, after = run_strategies(plain, run), run_strategies(funded, run)
        for strategy, result in after.items():
            cash = before[strategy].monthly["cash"] + 1_000_000
            under = np.flatnonzero(cash < 300_000)
            expected = np.zeros(36)
            expected[0] = 1_000_000
            if len(under):
                expected[under[0]] += 500_000
            assert np.array_equal(result.monthly["funding"], expected)
            assert result.metrics["round.bridge"] == float(len(under) > 0)
            np.testing.assert_allclose(result.monthly["cash"], cash + np.cumsum(expected) - 1_000_000, atol=1e-6)
            seen.add(len(under) > 0)
    assert seen == {True, False}


def _hand_solved(release="months_of_runway > 6.5"):
    """No sales at all: overhead 100k a month from 1.2M, so runway = 12 - month until the rule cuts it."""
    motion = {"type": "enterprise", "leads": {"per_month": 0, "cost_per_lead": 0, "marketing_per_month": 0},
              "team": {"reps": 0}}
    rule = {"name": "cut", "when": "months_of_runway < 6", "actions": {"cut_overhead": 0.5}}
    if release:
        rule["release"] = release
    return scenario_from({"enterprise": motion}, horizon_months=18, policies=[rule],
                         company={"starting_cash": 1_200_000, "overhead_per_month": 100_000})


def test_a_rule_fires_and_releases_with_hysteresis_on_a_hand_solved_burn():
    """Fires at month 7's end (runway 5); months 8-10 at 50k: runway 5.4, 6.0, 7.0 (> 6.5: released at
    month 10's end); month 11 at 100k: runway 250k / 66.7k = 3.75, fires again, in force from month 12."""
    result = run_strategy(_hand_solved(), "enterprise", 0)
    in_force = [0] * 7 + [1, 1, 1, 0] + [1] * 7
    assert result.monthly["rule.cut"].tolist() == in_force
    overhead = np.where(np.array(in_force) == 1, 50_000, 100_000)
    assert np.array_equal(result.costs["overhead"], overhead)
    np.testing.assert_allclose(result.monthly["cash"], 1_200_000 - np.cumsum(overhead))
    assert result.metrics["rule.cut.months"] == 10 and result.metrics["rule.cut.fired"] == 1
    np.testing.assert_allclose(result.monthly["runway"][7:11], [450 / (250 / 3), 6.0, 7.0, 250 / (200 / 3)])


def test_a_rule_without_release_holds_to_the_end():
    result = run_strategy(_hand_solved(release=None), "enterprise", 0)
    assert result.monthly["rule.cut"].tolist() == [0] * 7 + [1] * 11


def test_runway_is_cash_over_the_trailing_three_month_burn():
    cash = np.array([900.0, 800.0, 750.0, 760.0, 700.0, -50.0])
    net = np.array([-100.0, -100.0, -50.0, 10.0, -60.0, -750.0])
    burn = np.array([100, 100, 250 / 3, 140 / 3, 100 / 3, 800 / 3])
    np.testing.assert_allclose(runway(cash, net), [9, 8, 750 / burn[2], 760 / burn[3], 21, 0])
    assert runway(np.array([5.0]), np.array([1.0]))[0] == math.inf


RULES = [{"name": "freeze", "when": "months_of_runway < 9", "release": "months_of_runway > 14",
          "actions": {"freeze_hiring": "all", "scale_marketing": 0.5, "stop_replacing": "all",
                      "cut_overhead": 0.25}}]


def test_a_replan_leaves_the_months_before_it_identical():
    """The same plan with the rule and without (strategies sharing draws): equal up to the month the rule fired,
    in every series, cost, per-motion flow and lead; different after it in some run."""
    data = _data("enterprise_vs_smb.yaml")
    data["strategies"] = {"rules": {"motions": ["enterprise", "smb"]},
                          "plain": {"motions": ["enterprise", "smb"], "policies": []}}
    data["motions"]["smb"]["start_month"] = 3
    data["motions"]["smb"]["team"]["hires"] = [{"month": 12, "reps": 2}]
    scenario = _funded(data, [], RULES, starting_cash=1_500_000)
    fired = []
    for run in range(4):
        both = run_strategies(scenario, run)
        ruled, plain = both["rules"], both["plain"]
        in_force = np.flatnonzero(ruled.monthly["rule.freeze"])
        if not len(in_force):
            continue
        m = int(in_force[0])   # the rule fired at month m's end: months 1..m (indices < m) are untouched
        fired.append(m)
        for name, series in plain.monthly.items():
            assert np.array_equal(series[:m], ruled.monthly[name][:m]), name
        for name, cost in plain.costs.items():
            assert np.array_equal(cost[:m], ruled.costs[name][:m]), name
        for motion, flows in plain.by_motion.items():
            for name, values in flows.items():
                assert np.array_equal(values[:m], ruled.by_motion[motion][name][:m]), (motion, name)
            day = plain.deals[motion]["arrival_day"]
            early = day[day < m * 365.25 / 12]
            assert np.array_equal(early, ruled.deals[motion]["arrival_day"][:len(early)])
        assert not np.array_equal(plain.monthly["costs"][m:], ruled.monthly["costs"][m:])
    assert fired


def _uniforms(scenario, run):
    return correlated_uniforms(scenario, scenario.seed, run)


@pytest.mark.parametrize("file,motion", [("enterprise_vs_smb.yaml", "enterprise"), ("enterprise_vs_smb.yaml", "smb"),
                                         ("midmarket.yaml", "midmarket")])
def test_a_motion_planned_differently_from_month_k_is_the_same_before_it(file, motion):
    scenario = load_scenario(SCENARIOS / file)
    spec = scenario.motions[motion].model_copy(update={"team": scenario.motions[motion].team.model_copy(
        update={"attrition_per_year": 0.6})})
    horizon, k = scenario.horizon_months, 10
    closed = np.arange(horizon) < k
    plan = MotionPlan(hiring=closed, replacing=closed, marketing=np.where(closed, 1.0, 0.3))
    for run in range(2):
        base = simulate_motion(spec, motion, horizon, scenario.seed, run, _uniforms(scenario, run))
        planned = simulate_motion(spec, motion, horizon, scenario.seed, run, _uniforms(scenario, run), plan=plan)
        assert isinstance(planned, MotionRun)
        for table in ("flows", "costs", "detail"):
            for name, values in getattr(base, table).items():
                assert np.array_equal(values[:k], getattr(planned, table)[name][:k]), (table, name)
        assert planned.flows["leads"][k:].sum() < base.flows["leads"][k:].sum()


def test_scaled_marketing_keeps_a_subset_of_the_same_leads_at_the_factor_s_rate():
    scenario = load_scenario(SCENARIOS / "smb.yaml")
    leads = scenario.motions[next(iter(scenario.motions))].leads.model_copy(update={"per_month": 400.0})
    streams = motion_streams(3, 0, "smb")
    days = lead_arrival_days(leads, 24, streams["arrivals"], streams["arrival_times"])
    half = kept_leads(days, np.full(24, 0.5), motion_streams(3, 0, "smb")["marketing"])
    fifth = kept_leads(days, np.full(24, 0.2), motion_streams(3, 0, "smb")["marketing"])
    assert np.all(half[fifth])            # every lead kept at 0.2 is kept at 0.5
    n = len(days)
    assert abs(half.sum() - 0.5 * n) < 4 * math.sqrt(n * 0.25)
    assert abs(fifth.sum() - 0.2 * n) < 4 * math.sqrt(n * 0.16)


def test_a_frozen_hire_starts_when_hiring_opens_again_and_other_seats_keep_their_tenures():
    fixed = SimpleNamespace(reps=2.0, hires=[SimpleNamespace(month=5, reps=2)], attrition_per_year=0.0,
                            ramp_months=0.0, salary_per_month=1.0, deals_per_rep=1.0, replacement_delay_months=1.0)
    open_months = np.ones(24, bool)
    open_months[3:9] = False          # months 4-9 closed: the month-5 hire starts in month 10
    schedule = team_schedule(fixed, 24, np.random.default_rng(1), hiring=open_months)
    assert schedule.headcount.tolist() == [2] * 9 + [4] * 15
    churning = SimpleNamespace(**{**vars(fixed), "attrition_per_year": 0.5})
    free = team_schedule(churning, 24, np.random.default_rng(1))
    frozen = team_schedule(churning, 24, np.random.default_rng(1), hiring=open_months, replacing=open_months)
    assert np.array_equal(free.headcount[:3], frozen.headcount[:3])


def test_the_bundled_funded_plan_keeps_its_cash_identity_and_its_records():
    """scenarios/funded_plan.yaml: cash moves by collections, costs and funding; the rounds' and the rule's
    metrics agree with their series; the plan equals the plan without the rule until the freeze."""
    scenario = load_scenario(SCENARIOS / "funded_plan.yaml")
    amounts = {r.name: r.amount for r in scenario.company.funding}
    for run in (0,):
        both = run_strategies(scenario, run)
        for strategy, result in both.items():
            m = result.monthly
            step = m["collections"] - m["costs"] + m["funding"]
            np.testing.assert_allclose(np.diff(m["cash"], prepend=scenario.company.starting_cash), step, atol=1e-6)
            assert m["funding"].sum() == sum(amounts[r] * result.metrics[f"round.{r}"] for r in amounts)
            assert result.metrics["funding_received"] == m["funding"].sum()
            assert result.metrics["rule.freeze.months"] == m["rule.freeze"].sum()
            np.testing.assert_allclose(m["runway"], runway(m["cash"], m["net_cash_flow"]))
        first = int(np.flatnonzero(both["plan"].monthly["rule.freeze"])[0])
        for name, series in both["no_rules"].monthly.items():
            if not name.startswith("rule."):
                assert np.array_equal(series[:first], both["plan"].monthly[name][:first]), name


def test_a_plan_change_that_moves_no_hire_has_the_same_effect_and_needs_no_new_simulation():
    from simulator.engine import plan_effect

    scenario = load_scenario(SCENARIOS / "enterprise_vs_smb.yaml")   # enterprise hires in months 7 and 13
    spec = scenario.motions["enterprise"].model_copy(update={"team": scenario.motions["enterprise"].team.model_copy(
        update={"attrition_per_year": 0.0})})
    uniforms = _uniforms(scenario, 0)

    def effect(closed_months):
        hiring = np.ones(36, bool)
        hiring[list(closed_months)] = False
        return plan_effect(spec, "enterprise", 36, scenario.seed, 0, uniforms, MotionPlan(hiring=hiring))

    unchanged = plan_effect(spec, "enterprise", 36, scenario.seed, 0, uniforms, None)
    assert effect(range(0, 5)) == unchanged          # months 1-5: no hire due
    assert effect(range(6, 8)) != unchanged          # month 7's hire waits until month 9
    assert effect([6]) == effect([6])


def test_a_round_with_a_month_comes_only_if_its_condition_holds_then():
    """No sales, 100k a month from 1.2M: cash at month 5's end is 700k."""
    data = yaml.safe_load(yaml.safe_dump(_hand_solved().as_data()))
    data["policies"] = []
    data["company"]["funding"] = [{"name": "never", "amount": 1e5, "month": 3, "when": "cash > 2e6"},
                                  {"name": "later", "amount": 2e5, "month": 5, "when": "cash < 7.5e5 and month >= 5"}]
    result = run_strategy(parse_scenario(yaml.safe_dump(data)), "enterprise", 0)
    assert result.monthly["funding"].tolist() == [0] * 4 + [200_000] + [0] * 13
    assert (result.metrics["round.never"], result.metrics["round.later"]) == (0.0, 1.0)
    assert result.metrics["ending_cash"] == 1_200_000 - 18 * 100_000 + 200_000
    assert result.metrics["capital_needed"] == 1_800_000 and result.metrics["new_money_needed"] == 400_000


def test_stop_replacing_leaves_each_seat_empty_after_its_first_rep_leaves():
    """With replacing closed from month 1, seat s holds its first rep until the tenure drawn at (s, 0) ends."""
    team = SimpleNamespace(reps=5.0, hires=[], attrition_per_year=0.6, ramp_months=0.0, salary_per_month=1.0,
                           deals_per_rep=1.0, replacement_delay_months=0.0)
    schedule = team_schedule(team, 24, np.random.default_rng(5), replacing=np.zeros(24, bool))
    hazard = -math.log1p(-0.6) / 12
    tenures = np.random.default_rng(5).exponential(1 / hazard, (5, 4))[:, 0]
    leave = np.minimum(24, 1 + tenures.astype(int))
    assert schedule.headcount.tolist() == [float(np.sum(leave > t)) for t in range(24)]
    assert schedule.headcount[-1] < 5


def test_the_pipeline_counts_the_deals_open_at_each_month_s_end():
    """With every deal worth 1, the pipeline is the open_deals series of the books."""
    from simulator.engine.plan import pipeline_value

    scenario = load_scenario(SCENARIOS / "enterprise_vs_smb.yaml")
    result = run_strategy(scenario, "hybrid", 0)
    parts = {name: SimpleNamespace(deals={**deals, "acv": np.ones(len(deals["open_day"]))})
             for name, deals in result.deals.items()}
    assert np.array_equal(pipeline_value(parts, 36), result.monthly["open_deals"])


def test_a_round_after_the_lowest_month_does_not_lower_the_new_money_needed():
    """No sales, 100k a month from 1.2M for 18 months: the balance is -500k at month 17's end; a 1M round in
    month 18 lifts the last balance to 400k but comes too late, so 500k must be raised at the start (not 0,
    what the starting cash and every round set against the capital needed would say, nor 600k without it)."""
    data = yaml.safe_load(yaml.safe_dump(_hand_solved().as_data()))
    data["policies"] = []
    data["company"]["funding"] = [{"name": "late", "amount": 1e6, "month": 18}]
    result = run_strategy(parse_scenario(yaml.safe_dump(data)), "enterprise", 0)
    assert result.metrics["ending_cash"] == 400_000 and result.metrics["capital_needed"] == 1_800_000
    assert result.metrics["new_money_needed"] == 500_000
