"""Correlated per-run parameters, drawn through the engine's own path: the declared Spearman rank correlation."""
import math

import numpy as np
import pytest
from scipy import stats

from simulator import parse_scenario
from simulator.engine.resolve import correlated_uniforms, resolve

RUNS = 1500


@pytest.mark.slow
@pytest.mark.parametrize("rank", [-0.8, 0.3, 0.9])
def test_the_engine_draws_per_run_parameters_with_the_declared_rank_correlation(rank):
    scenario = parse_scenario(f"""
name: copula
motions:
  a: {{type: smb, leads: {{per_month: {{lognormal: {{p5: 10, p95: 50}}}}}}}}
  b: {{type: smb, deal: {{monthly_churn: {{beta: {{p5: 0.02, p95: 0.06}}}}}}}}
strategies:
  both: {{motions: [a, b]}}
correlations:
  - between: [motions.a.leads.per_month, motions.b.deal.monthly_churn]
    rank: {rank}
""")
    x, y = np.empty(RUNS), np.empty(RUNS)
    for run in range(RUNS):
        uniforms = correlated_uniforms(scenario, scenario.seed, run)
        x[run] = resolve(scenario.motions["a"], scenario.seed, run, "a", "motions.a", uniforms).leads.per_month
        y[run] = resolve(scenario.motions["b"], scenario.seed, run, "b", "motions.b", uniforms).deal.monthly_churn
    # each marginal is still the declared distribution (Kolmogorov-Smirnov), and the ranks correlate as declared;
    # the standard error of Spearman's rho is about (1 - rho^2) / sqrt(N)
    rng = np.random.default_rng(1)
    for drawn, law in ((x, scenario.motions["a"].leads.per_month), (y, scenario.motions["b"].deal.monthly_churn)):
        assert stats.ks_2samp(drawn, law.sample(rng, 100_000)).pvalue > 1e-3
    assert abs(stats.spearmanr(x, y).statistic - rank) < 4 * (1 - rank ** 2 + 0.05) / math.sqrt(RUNS)
