"""Generated CRM exports: one simulated run of a known scenario, written as a CRM would write it.

The engine records every lead's path (created, closed, won, contract
value), so one run of a motion is an opportunity history whose true
parameters are known: what a fit must recover. :func:`write_export` lays
it out as a Salesforce opportunity report, a HubSpot deal export or a
home-made layout (day-first dates, amounts with a decimal comma), so every
reader path is exercised. ``python -m simulator.fit.sample`` rewrites the
bundled sample, ``scenarios/crm/sample-opportunities.csv``.
"""
from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from simulator.engine import run_strategy
from simulator.scenario import load_scenario
from simulator.scenario.schema import STAGES

LAYOUTS = ("salesforce", "hubspot", "custom")
START = date(2023, 1, 1)
OPEN_STAGES = ("Prospecting", "Qualification", "Proposal", "Negotiation")
SOURCES = ("Web", "Referral", "Partner")
SAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "crm" / "sample-opportunities.csv"
SAMPLE_SCENARIO = SAMPLE.with_name("sample.yaml")


def simulated_deals(scenario, strategy: str, motion: str, run: int = 0, seed: int | None = None) -> dict:
    """One run's opportunities of ``motion``: created and closed day numbers (NaN: open), won, amount, and
    for a committee motion the stage each deal ended in (``last_stage``, an index in STAGES).

    Leads no rep took (they went cold) never became opportunities and are
    left out. The export is taken at the end of the horizon.
    """
    deals = run_strategy(scenario, strategy, run, seed).deals[motion]
    opened = ~np.isnan(deals["open_day"])
    found = {"created": np.floor(deals["open_day"][opened]), "closed": np.floor(deals["close_day"][opened]),
             "won": deals["won"][opened], "amount": deals["acv"][opened],
             "as_of": int(np.floor(scenario.horizon_months * 365.25 / 12))}
    if "last_stage" in deals:
        found["last_stage"] = deals["last_stage"][opened]
    return found


def write_export(deals: dict, path, layout: str = "salesforce", seed: int = 0, start: date = START) -> Path:
    """Write ``deals`` (from :func:`simulated_deals`) as a CRM export in ``layout``; return the path."""
    rng = np.random.default_rng(seed)
    n = len(deals["created"])
    source = rng.choice(SOURCES, n)
    stage_open = rng.choice(OPEN_STAGES, n)
    rows = []
    for i in range(n):
        created = start + timedelta(days=int(deals["created"][i]))
        is_closed = not np.isnan(deals["closed"][i])
        closed = start + timedelta(days=int(deals["closed"][i])) if is_closed else created + timedelta(days=90)
        won = bool(deals["won"][i])
        amount = float(deals["amount"][i])
        if layout == "salesforce":
            stage = ("Closed Won" if won else "Closed Lost") if is_closed else stage_open[i]
            rows.append({"Opportunity Name": f"Opportunity {i + 1:05d}", "Account Name": f"Account {i + 1:05d}",
                         "Stage": stage, "Amount": f"${amount:,.2f}", "Close Date": _us(closed),
                         "Created Date": _us(created), "Lead Source": source[i],
                         "Won": str(won and is_closed).lower(), "Closed": str(is_closed).lower()})
            if "last_stage" in deals:
                lost = is_closed and not won
                rows[-1]["Stage Reached"] = STAGES[int(deals["last_stage"][i])].title() if lost else ""
        elif layout == "hubspot":
            stage = ("closedwon" if won else "closedlost") if is_closed else "appointmentscheduled"
            rows.append({"Deal Name": f"Deal {i + 1:05d}", "Deal Stage": stage, "Amount": f"{amount:.2f}",
                         "Close Date": f"{closed.isoformat()} 09:30", "Create Date": f"{created.isoformat()} 10:00",
                         "Pipeline": "Sales Pipeline"})
        else:
            stage = ("Won" if won else "Lost") if is_closed else "Open"
            rows.append({"engage_date": created.strftime("%d/%m/%Y"),
                         "close_date": closed.strftime("%d/%m/%Y") if is_closed else "",
                         "deal_stage": stage, "close_value": f"{amount:,.2f} EUR".replace(",", " ").replace(".", ","),
                         "source": source[i]})
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter=";" if layout == "custom" else ",")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _us(day: date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def main() -> None:
    """Rewrite the bundled sample export from its scenario."""
    scenario = load_scenario(SAMPLE_SCENARIO)
    deals = simulated_deals(scenario, "smb", "smb")
    write_export(deals, SAMPLE, "salesforce")
    print(f"{SAMPLE}: {len(deals['created'])} opportunities")


if __name__ == "__main__":
    main()
