"""Charts: every file is drawn and is a valid image, with 1 to 5 strategies; money reads as money."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import matplotlib.colors
import matplotlib.image
import numpy as np
import pytest
from plot_helpers import fake_results

from simulator.present import plots
from simulator.present.formatting import format_money

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    results = fake_results(runs=300)
    directory = tmp_path_factory.mktemp("plots")
    return results, directory, plots.write_plots(results, directory)


@pytest.mark.slow
@pytest.mark.parametrize("chart", plots.CHARTS)
def test_every_chart_is_a_valid_png_and_svg(drawn, chart):
    _, directory, pngs = drawn
    png = directory / f"{chart}.png"
    assert png.read_bytes()[:8] == PNG_SIGNATURE
    assert png.read_bytes() == pngs[chart]
    image = matplotlib.image.imread(png)
    height, width = image.shape[:2]
    assert width >= 600 and height >= 200, f"{chart}.png is {width}x{height}"
    assert image[..., :3].std() > 0.05, f"{chart}.png is blank"
    root = ET.parse(directory / f"{chart}.svg").getroot()
    assert root.tag.endswith("svg")


def test_the_issue_names_every_chart_file():
    assert set(plots.CHARTS) == {"revenue", "cost", "cash_flow", "ending_cash", "capital_needed", "cash_fan",
                                 "arr_fan", "capital_curve", "comparison"}


@pytest.mark.slow
@pytest.mark.parametrize("count", [1, 2, 5])
def test_charts_draw_for_one_to_five_strategies(count):
    names = ["enterprise", "smb", "hybrid", "fourth", "fifth"][:count]
    results = fake_results(strategies=names, runs=60)
    figures = plots.figures(results)
    assert set(figures) == set(plots.CHARTS)
    for name, fig in figures.items():
        assert plots.figure_bytes(fig)[:8] == PNG_SIGNATURE, name
    panels = [ax for ax in figures["comparison"].axes if ax.get_visible()]
    assert len(panels) == (count * (count - 1) // 2) * len(plots.COMPARED_METRICS)
    fans = [ax for ax in figures["cash_fan"].axes if ax.get_visible()]
    assert len(fans) == count  # small multiples: one panel per strategy


def test_every_strategy_keeps_its_colour_everywhere():
    colors = plots.strategy_colors(["a", "b", "c"])
    assert len(set(colors.values())) == 3
    assert plots.strategy_colors(["a", "b", "c", "d"])["c"] == colors["c"]


def test_distribution_ignores_nan_and_survives_a_strategy_without_values():
    values = {"a": np.array([1.0, np.nan, 3.0, 2.0] * 20), "b": np.full(80, np.nan), "c": np.full(80, 5e5)}
    fig = plots.distribution_figure(values, title="t", xlabel="x", currency="EUR")
    assert plots.figure_bytes(fig, "svg").startswith(b"<?xml")


def test_exceedance_is_the_share_of_runs_above_each_amount():
    x, p = plots.exceedance(np.array([0.0, 0.0, 1.0, 2.0, np.nan]))
    # two of four runs need nothing: P(need > 0) = 50%
    assert p[0] == 1.0
    assert list(zip(x[1:], p[1:])) == [(0.0, 0.75), (0.0, 0.5), (1.0, 0.25), (2.0, 0.0)]
    big = np.random.default_rng(1).gamma(2.0, 1e6, 100_000)
    x, p = plots.exceedance(big)
    assert len(x) <= 2001
    at = np.searchsorted(x, np.quantile(big, 0.95))
    assert abs(p[at] - 0.05) < 0.002


def test_capital_curve_labels_the_amounts_at_50_90_and_95_percent_confidence():
    capital = {"a": np.arange(1, 101) * 10_000.0}
    fig = plots.capital_curve_figure(capital, currency="USD", starting_cash=500_000)
    texts = {t.get_text() for t in fig.axes[0].texts}
    for amount in np.quantile(capital["a"], [0.5, 0.9, 0.95]):
        assert plots._money(amount, "USD") in texts
    assert any("starting cash" in t for t in texts)


def test_comparison_title_gives_the_chance_that_a_beats_b():
    rng = np.random.default_rng(3)
    base = rng.normal(size=400)
    runs = {"a": {"npv": base + 0.5, "ending_cash": base}, "b": {"npv": base, "ending_cash": base + 1}}
    fig = plots.comparison_figure(runs, currency="USD")
    titles = [ax.get_title() for ax in fig.axes]
    assert "P(a beats b) = 100%" in titles[0]
    assert "P(a beats b) = 0%" in titles[1]


def test_money_axis_uses_one_suffix_and_the_fewest_decimals():
    axis = plots.MoneyFormatter("USD")
    ticks = [0, 2.5e6, 5e6, 7.5e6]
    axis.set_locs(ticks)
    assert [axis(t) for t in ticks] == [r"\$0", r"\$2.5M", r"\$5M", r"\$7.5M"]
    axis = plots.MoneyFormatter("PLN")
    ticks = [-20_000, 0, 20_000, 40_000]
    axis.set_locs(ticks)
    assert [axis(t) for t in ticks] == ["-20k PLN", "0 PLN", "20k PLN", "40k PLN"]


def test_dollar_signs_are_not_read_as_formulas():
    # two dollar amounts in one label would otherwise typeset the text between them as math
    assert plots._money(1.2e6, "USD") == r"\$1.2M"
    assert format_money(1.2e6, "USD") == "$1.2M"


def test_comparison_bars_hold_every_run_on_the_side_of_zero_it_falls():
    rng = np.random.default_rng(5)
    base = rng.normal(size=1000)
    runs = {"a": {"npv": base + rng.normal(0.3, 1, 1000)}, "b": {"npv": base}}
    fig = plots.comparison_figure(runs, currency="USD", metrics=("npv",))
    ax = fig.axes[0]
    (a_wins, b_wins) = [patch.get_data() for patch in ax.patches]   # one filled outline per side of zero
    diff = runs["a"]["npv"] - runs["b"]["npv"]
    assert np.isclose(a_wins.values.sum(), (diff > 0).mean())
    assert np.isclose(b_wins.values.sum(), (diff <= 0).mean())
    assert 0.0 in a_wins.edges   # zero on a bin edge: no bar holds both wins and losses
    assert not a_wins.values[a_wins.edges[1:] <= 0].any() and not b_wins.values[b_wins.edges[:-1] >= 0].any()
    assert [p.get_facecolor()[:3] for p in ax.patches] == [matplotlib.colors.to_rgb(c) for c in
                                                           plots.strategy_colors(["a", "b"]).values()]


def test_write_chart_writes_one_chart_as_write_plots_does(tmp_path):
    results = fake_results(runs=80)
    png = plots.write_chart(results, "capital_curve", tmp_path)
    assert (tmp_path / "capital_curve.png").read_bytes() == png
    assert ET.parse(tmp_path / "capital_curve.svg").getroot().tag.endswith("svg")
