"""The SMB rep desk against queueing: a literal SimPy queue, M/D/c with deterministic patience, exact holds."""
import numpy as np
import pytest
import simpy

from engine_helpers import scenario_from
from simulator.engine import run_strategy
from simulator.engine.team import RepDesk
from simulator.engine.units import DAYS_PER_MONTH


def literal_desk(arrivals, holds, slots, patience: float) -> np.ndarray:
    """The same desk as SimPy processes: each lead requests a slot, waits at most ``patience`` days,
    holds it ``hold`` days. Start days, NaN for leads that went cold. ``slots``: a number, or the slots
    month by month (the literal committee model's RepPool follows them)."""
    from literal_enterprise import RepPool, apply_schedule
    env = simpy.Environment()
    if np.ndim(slots):
        desk = RepPool(env, int(slots[0]))
        env.process(apply_schedule(env, desk, slots))
    else:
        desk = simpy.Resource(env, capacity=slots)
    start = np.full(len(arrivals), np.nan)

    def lead(k):
        with desk.request() as request:
            got = yield request | env.timeout(patience)
            if request not in got:
                return
            start[k] = env.now
            yield env.timeout(holds[k])

    def arrive():
        for k in range(len(arrivals)):
            yield env.timeout(arrivals[k] - env.now)
            env.process(lead(k))

    env.process(arrive())
    env.run()
    return start


def assert_desk_starts(arrivals, holds, capacity, patience: float, expected) -> None:
    """The desk, fed month by month, starts every lead on the day ``expected`` says (NaN: cold), with and
    without its numpy shortcut."""
    months = len(capacity)
    bounds = np.searchsorted(arrivals, np.arange(months + 1) * DAYS_PER_MONTH)
    for fast in (True, False):
        desk = RepDesk(capacity, patience)
        desk.fast = fast
        got = np.concatenate([desk.serve(m, arrivals[bounds[m]:bounds[m + 1]], holds[bounds[m]:bounds[m + 1]])
                              for m in range(months)])
        assert np.array_equal(np.isnan(got), np.isnan(expected))
        np.testing.assert_allclose(got[~np.isnan(got)], expected[~np.isnan(expected)], rtol=0, atol=1e-9)


@pytest.mark.parametrize("slots,patience,rate", [(2, 2.0, 1.0), (1, 0.5, 2.0), (5, 3.0, 3.0), (3, 1e-9, 1.5)])
def test_the_desk_starts_every_lead_when_a_literal_simpy_queue_does(slots, patience, rate):
    """Same leads, same holds (fractional days, some zero): the same start day for every lead, or cold."""
    rng = np.random.default_rng(slots)
    months = 4
    arrivals = np.sort(rng.uniform(0, months * DAYS_PER_MONTH, rng.poisson(rate * months * DAYS_PER_MONTH)))
    holds = rng.poisson(3, len(arrivals)) * rng.gamma(2.0, 0.7, len(arrivals))   # some zero
    expected = literal_desk(arrivals, holds, slots, patience)
    assert_desk_starts(arrivals, holds, np.full(months, slots, dtype=float), patience, expected)
    assert 0 < np.isnan(expected).sum() < len(expected)   # the case has both cold and served leads


@pytest.mark.parametrize("seed", range(4))
def test_the_desk_follows_capacity_that_shrinks_and_grows_as_a_literal_simpy_queue_does(seed):
    """Slots removed while deals still hold them: those deals take the new slots first when capacity grows
    again, so a lead starts only when fewer deals are held than there are slots."""
    rng = np.random.default_rng(100 + seed)
    capacity = np.array([3, 3, 1, 0, 2, 4, 1, 1, 5, 2, 2, 3], dtype=float)
    months = len(capacity)
    arrivals = np.sort(rng.uniform(0, months * DAYS_PER_MONTH, rng.poisson(4 * months)))
    holds = rng.gamma(2.0, 10.0, len(arrivals))
    expected = literal_desk(arrivals, holds, capacity, patience=20.0)
    assert_desk_starts(arrivals, holds, capacity, 20.0, expected)
    assert 0 < np.isnan(expected).sum() < len(expected)


def mdc_patience_served_share(rate: float, hold: float, slots: int, patience: float, leads: int, seed: int):
    """Share of Poisson arrivals served by a c-server FIFO queue with deterministic service and patience,
    by the recursion on server free times (Kiefer-Wolfowitz workload vector): independent of the engine."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / rate, leads))
    free = np.zeros(slots)
    served = 0
    for a in arrivals:
        i = int(np.argmin(free))
        begin = max(a, free[i])
        if begin - a <= patience:
            free[i] = begin + hold
            served += 1
    return served / leads


def test_fractional_holds_serve_the_share_a_continuous_queue_serves():
    """2 slots, 3 objections of 0.7 days (2.1-day holds), 2 days' patience: the served share of an
    M/D/2 queue with deterministic patience, not of one whose holds are rounded up to whole days."""
    per_month = 30
    smb = {"type": "smb",
           "leads": {"per_month": per_month, "max_wait_days": 2, "referrals_per_customer_per_month": 0},
           "team": {"reps": 1, "deals_per_rep": 2, "attrition_per_year": 0, "ramp_months": 0},
           "process": {"touched_share": 1, "objections": 3, "objection_days": 0.7, "unresolved_chance": 0}}
    scenario = scenario_from({"s": smb}, horizon_months=24)
    end = scenario.horizon_months * DAYS_PER_MONTH - 10     # leads whose fate is known within the horizon
    shares = []
    for run in range(40):
        deals = run_strategy(scenario, "s", run).deals["s"]
        arrived = deals["arrival_day"] < end
        shares.append(np.mean(~np.isnan(deals["open_day"][arrived])))
    shares = np.array(shares)
    se = shares.std(ddof=1) / np.sqrt(len(shares))
    expected = mdc_patience_served_share(per_month / DAYS_PER_MONTH, 2.1, 2, 2.0, 400_000, seed=1)
    assert abs(shares.mean() - expected) < 4 * se + 0.002
    rounded = mdc_patience_served_share(per_month / DAYS_PER_MONTH, 3.0, 2, 2.0, 400_000, seed=1)
    assert abs(shares.mean() - rounded) > 8 * se            # whole-day holds would be told apart


@pytest.mark.parametrize("buy_chance", [0.05, 0.3, 1.0])
def test_the_signal_table_gives_every_decider_the_chance_the_literal_rule_gives(buy_chance):
    # The table's bins are a shortcut: every uniform must get the chance of the combination whose cuts it
    # passes, counted one cut at a time, including uniforms on a cut, on a bin's edge and next to either.
    from simulator.engine.smb import _Signals
    from simulator.scenario import load_scenario
    signals = _Signals(load_scenario(None).motions["smb"].process.signals, buy_chance)
    cuts, edges = signals.cuts, np.arange(_Signals.GRID) / _Signals.GRID
    u = np.concatenate((np.random.default_rng(5).random(200_000), cuts, edges,
                        np.nextafter(cuts, 0), np.nextafter(cuts, 1), np.nextafter(edges[1:], 0)))
    u = u[(u >= 0) & (u < 1)]
    literal = np.zeros(len(u), dtype=np.int64)
    for cut in cuts:
        literal += u >= cut
    assert np.array_equal(signals.buy_chance(u), signals.chance[literal])


@pytest.mark.parametrize("seed", range(6))
def test_the_whole_day_test_never_calls_the_desk_free_when_some_lead_finds_every_slot_busy(seed):
    # The quick test may only say "never full" when, counted lead by lead, no touched lead finds as many deals
    # held by earlier leads as its month has slots; it is tried on desks near their limit, often either way.
    from simulator.engine.smb import SmbDesk
    rng = np.random.default_rng(seed)
    said_free = 0
    for _ in range(150):
        horizon = 4
        desk = SmbDesk.__new__(SmbDesk)
        desk.horizon, desk.capacity = horizon, rng.integers(2, 9, horizon).astype(float)
        arrivals = np.sort(rng.random(rng.integers(1, 120)) * horizon * DAYS_PER_MONTH)
        holds = rng.choice([0.0, 0.5, 3.0, 7.0, 20.0], len(arrivals)) * rng.integers(0, 3, len(arrivals))
        ends = arrivals + holds
        slots = desk.capacity[np.minimum(np.floor(arrivals / DAYS_PER_MONTH).astype(int), horizon - 1)]
        fullest = [np.sum(ends[:k] > arrivals[k]) - slots[k] for k in range(len(arrivals))]
        if desk._never_full(arrivals, ends):
            said_free += 1
            assert max(fullest) < 0
    assert 10 < said_free < 140
