"""The tornado chart, the sensitivity table, and the report's section on what drives the result."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from engine_helpers import certain_enterprise, scenario_from
from plot_helpers import fake_results

import simulator
from simulator.present import report, tornado
from simulator.present.tables import sensitivity_table

PRICE = {"uniform": {"low": 6000, "high": 18000}, "per": "run"}


@pytest.fixture(scope="module")
def results():
    scenario = scenario_from({"a": certain_enterprise(deal__contract_value=PRICE),
                              "b": certain_enterprise(leads__per_month={"gamma": {"mean": 3, "sd": 1}, "per": "run"})})
    return simulator.simulate(scenario, runs=30, seed=2, workers=1)


@pytest.fixture(scope="module")
def swung(results):
    return simulator.sensitivity(results, metrics=["npv", "revenue"], swing_runs=10, workers=1)


@pytest.mark.slow
def test_tornado_charts_with_and_without_the_swing(results, swung, tmp_path):
    files = tornado.write_tornados(swung, tmp_path)
    assert set(files) == {"tornado_npv", "tornado_revenue"}
    for name in files:
        assert files[name][:8] == b"\x89PNG\r\n\x1a\n"
        assert ET.parse(tmp_path / f"{name}.svg").getroot().tag.endswith("svg")
    both = tornado.tornado_figure(swung, "npv")
    assert len([ax for ax in both.axes if ax.get_visible()]) == 2 * len(swung.targets)
    ranked = simulator.sensitivity(results, metrics="npv", swing=False)
    alone = tornado.tornado_figure(ranked)
    labels = [t.get_text() for t in alone.axes[0].get_yticklabels()]
    assert labels == ["a.deal.contract_value"]      # the largest on top, and the only input of a
    assert len(alone.axes) == len(ranked.targets)


def test_the_table_shows_the_swing_when_there_is_one(results, swung):
    text = sensitivity_table(swung, "revenue")
    assert "swing: 10 runs with each input at its P10, then its P90" in text
    assert "a.deal.contract_value" in text and "(7.2k)" not in text and "(7,200)" in text
    plain = sensitivity_table(simulator.sensitivity(results, metrics="revenue", swing=False))
    assert "at P10" not in plain and "rank corr. (95% CI)" in plain


@pytest.mark.slow
def test_the_report_has_a_section_on_what_drives_the_result(results):
    page = report.report_html(results)
    section = page[page.index('<section id="sensitivity">'):]
    section = section[:section.index("</section>")]
    assert "What drives the result</h2>" in section
    assert '<figure id="tornado_npv"><img src="data:image/png;base64,' in section
    assert "a.deal.contract_value" in section and "a less b, run by run" in section
    assert "salesim sensitivity DIR" in section
    assert page.index('id="comparisons"') < page.index('id="sensitivity"') < page.index('id="assumptions"')


def test_results_without_input_draws_get_a_note_instead():
    page = report.report_html(fake_results(runs=50), images={})
    section = page[page.index('<section id="sensitivity">'):]
    assert "No sensitivity: these results" in section[:section.index("</section>")]


@pytest.mark.slow
def test_write_outputs_draws_the_tornado_beside_the_other_charts(results, tmp_path):
    results.save(tmp_path / "run", extras=report.write_outputs)
    assert (tmp_path / "run" / "tornado_npv.png").is_file() and (tmp_path / "run" / "tornado_npv.svg").is_file()
    page = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert page.count("<img ") == len(report.plots.CHARTS) + 1
