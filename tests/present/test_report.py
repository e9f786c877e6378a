"""report.html: self-contained, answer first, every chart embedded; `salesim report` and `run --no-plots`."""
from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from plot_helpers import fake_results

import simulator
from cli import main
from simulator.present import assumptions, plots, report
from simulator.present.formatting import format_metric, format_money, format_percent
from simulator.scenario.distributions import Distribution

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--no-first-run", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Synthetic results saved as a run saves them, with the charts and the report written."""
    results = fake_results(runs=200)
    directory = tmp_path_factory.mktemp("out") / "run"
    results.save(directory)
    files = report.write_outputs(results, directory)
    return results, directory, files


@pytest.fixture(scope="module")
def page(saved):
    return (saved[1] / "report.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_write_outputs_writes_every_chart_and_the_report(saved):
    _, directory, files = saved
    names = {f.name for f in files}
    for chart in plots.CHARTS:
        assert {f"{chart}.png", f"{chart}.svg"} <= names
    assert directory / "report.html" in files
    assert all(f.is_file() and f.stat().st_size > 0 for f in files)


@pytest.mark.slow
def test_report_is_self_contained(page):
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I), "a link to the network"
    assert "<script" not in page.lower()
    assert "@import" not in page and "url(" not in page, "CSS that fetches something"
    sources = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert len(sources) == len(plots.CHARTS)
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_report_answers_first_then_shows_everything(saved, page):
    results = saved[0]
    scenario = results.scenario
    assert page.index('id="answer"') < page.index('id="results"') < page.index('id="charts"')
    assert scenario.name in page
    assert "which brings more revenue and cash" in page  # the description
    answer = page[page.index('id="answer"'):page.index('id="results"')]
    assert "NPV" in answer and "Revenue" in answer and "in 95% of runs" in answer
    assert "consumes at most" in answer and "new money to raise" in answer
    for s in results.strategies:
        p95 = format_money(results.summary["strategies"][s]["capital_needed"]["p95"], "USD")
        assert p95 in answer, f"total capital needed at 95% confidence for {s}"
        new = format_money(results.summary["strategies"][s]["new_money_needed"]["p95"], "USD")
        assert f"<b>{new}</b> for {s}" in answer, f"new money to raise at 95% confidence for {s}"
    for heading in ("Side by side", "Comparisons", "Key assumptions", "Convergence", "Provenance"):
        assert f">{heading}</h2>" in page
    provenance = results.summary["provenance"]
    for value in (provenance["scenario_sha256"], str(provenance["seed"]), provenance["salesim_version"],
                  provenance["utc_time"]):
        assert value in page


@pytest.mark.slow
def test_comparisons_are_in_words_with_the_summary_chances(saved, page):
    results = saved[0]
    entry = results.summary["comparisons"]["enterprise vs smb"]["npv"]
    a_wins, tie = entry["p_better"], entry["p_tie"]
    winner, share = ("enterprise", a_wins) if a_wins >= 1 - a_wins - tie else ("smb", 1 - a_wins - tie)
    loser = "smb" if winner == "enterprise" else "enterprise"
    assert f"<b>{winner}</b> beats {loser} on NPV in <b>{format_percent(share)}</b> of runs" in page


def test_assumptions_read_as_words_with_units():
    scenario = simulator.load_scenario()
    tables = assumptions.motion_tables(scenario)
    enterprise = dict(tables["enterprise"][1])
    assert enterprise["Leads per month"][0].startswith("lognormal, 90% between 4 and 9 a month")
    assert enterprise["Reps at the start"] == ["3 reps", "2 reps"]  # the hybrid strategy's override shows
    assert re.match(r"6(,| to) .*10 people", enterprise["Buying committee"][0])
    smb = dict(tables["smb"][1])
    assert smb["Monthly churn"][0].startswith("beta, 90% between 2.5% and 5% a month")
    assert dict(assumptions.company_rows(scenario))["Starting cash"] == "$2.5M"


def test_describe_value_names_the_range_and_when_it_is_drawn():
    law = Distribution.model_validate({"lognormal": {"p5": 50_000, "p95": 200_000}, "per": "deal"})
    assert assumptions.describe_value(law, "money/year", "EUR") == (
        "lognormal, 90% between 50k EUR and 200k EUR (median 100k EUR), drawn per deal")
    assert assumptions.describe_value(40_000, "money/month") == "$40k a month"
    assert assumptions.describe_value(0.029, "fraction") == "2.9%"
    committee = Distribution.model_validate({"choice": {"values": [6, 7, 8], "weights": [2, 1, 1]}})
    assert assumptions.describe_value(committee, "people").startswith("6, 7 or 8 people, with chances 50%, 25%, 25%")


@pytest.mark.parametrize("value, currency, text", [
    (1_234_567, "USD", "$1.23M"), (-1_200_000, "USD", "-$1.2M"), (845_000, "USD", "$845k"),
    (999_950, "USD", "$1M"), (950, "USD", "$950"), (1.2e6, "EUR", "1.2M EUR"), (float("nan"), "USD", "n/a"),
])
def test_money_reads_in_the_scenario_currency(value, currency, text):
    assert format_money(value, currency) == text


def test_metrics_read_in_their_own_units():
    assert format_metric("win_rate", 0.634) == "63%"
    assert format_metric("cac_payback_months", 7.25) == "7.25 mo"
    assert format_metric("customers", 23.9) == "24"
    assert format_metric("ltv_to_cac", 4.95) == "4.95x"


@pytest.mark.slow
def test_report_command_rebuilds_charts_and_report_from_a_saved_directory(saved, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(saved[1], copy)
    for chart in plots.CHARTS:
        (copy / f"{chart}.png").unlink()
    (copy / "report.html").unlink()
    result = CliRunner().invoke(main, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert (copy / "report.html").is_file()
    assert all((copy / f"{chart}.png").is_file() for chart in plots.CHARTS)


def test_report_command_refuses_a_directory_that_is_not_results(tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "summary.json" in result.output and "Traceback" not in result.output
    (tmp_path / "summary.json").write_text("{")
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, ["report", str(tmp_path / "missing")])
    assert result.exit_code == 2


@pytest.mark.slow
def test_run_draws_the_report_unless_no_plots(tmp_path):
    # a real run, as small as it gets
    args = ["run", "--runs", "3", "--workers", "1", "--quiet"]
    result = CliRunner().invoke(main, args + ["--out", str(tmp_path / "plain"), "--no-plots"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "plain" / "summary.json").is_file()
    assert not list((tmp_path / "plain").glob("*.png")) and not (tmp_path / "plain" / "report.html").exists()
    result = CliRunner().invoke(main, args + ["--out", str(tmp_path / "full")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "full" / "report.html").is_file()
    assert all((tmp_path / "full" / f"{chart}.png").is_file() for chart in plots.CHARTS)
    page = (tmp_path / "full" / "report.html").read_text(encoding="utf-8")
    by_motion = page[page.index('id="motions"'):page.index('id="charts"')]
    for motion in ("enterprise", "smb"):
        assert f"Motion <code>{motion}</code>" in by_motion
    assert "Passed the demo stage" in by_motion and "Rep utilisation" in by_motion


@pytest.mark.slow
def test_partial_results_say_so(saved):
    results = saved[0]
    original = results.summary["provenance"].get("partial")
    results.summary["provenance"]["partial"] = True
    try:
        assert "Partial results" in report.report_html(results, images={})
    finally:
        results.summary["provenance"]["partial"] = original


@pytest.mark.slow
def test_report_renders_in_a_real_browser_with_every_image_loaded(saved, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"no headless browser at {CHROMIUM}: install chromium to check the report renders")
    page = (saved[1] / "report.html").read_text(encoding="utf-8")
    # The report has no scripts; this copy gets one that records, once loaded, how each image decoded.
    probe = ("<script>window.addEventListener('load', function () {"
             "var imgs = Array.from(document.images);"
             "document.body.setAttribute('data-images', imgs.length);"
             "document.body.setAttribute('data-loaded', imgs.filter(function (i) {"
             "return i.complete && i.naturalWidth > 0; }).length);"
             "document.body.setAttribute('data-widths', imgs.map(function (i) { return i.naturalWidth; }).join(','));"
             "});</script>")
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
    command = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
               "--virtual-time-budget=10000", "--dump-dom", probed.as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
    found = re.search(r'data-images="(\d+)" data-loaded="(\d+)" data-widths="([\d,]*)"', dom)
    assert found, f"the page did not finish loading: {dom[:300]!r}"
    images, loaded, widths = int(found[1]), int(found[2]), [int(w) for w in found[3].split(",")]
    assert images == len(plots.CHARTS)
    assert loaded == images, f"only {loaded} of {images} images loaded (natural widths {widths})"
    assert min(widths) >= 600
    shot = tmp_path / "shot.png"
    subprocess.run([str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile2'}",
                    "--window-size=1280,2400", "--hide-scrollbars", f"--screenshot={shot}",
                    (saved[1] / "report.html").as_uri()], capture_output=True, timeout=120)
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (2400, 1280)
    assert np.asarray(pixels[..., :3]).std() > 0.05, "the screenshot is blank"
