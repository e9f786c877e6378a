"""Small scenarios with known answers, for the engine's tests."""
import yaml

from simulator import parse_scenario


def scenario_from(motions: dict, strategies: dict | None = None, **top):
    """A validated scenario from plain data: motions, strategies (default: one per motion), top-level keys."""
    data = {"name": "test", "horizon_months": 36, "seed": 7,
            "company": {"starting_cash": 1_000_000, "overhead_per_month": 10_000, "discount_rate_annual": 0.1},
            "motions": motions,
            "strategies": strategies or {name: {"motions": [name]} for name in motions}}
    data.update(top)
    return parse_scenario(yaml.safe_dump(data, sort_keys=False))


def certain_enterprise(**changes) -> dict:
    """An enterprise motion whose every deal is won after exactly 100 days, at a fixed price."""
    motion = {
        "type": "enterprise",
        "leads": {"per_month": 3, "cost_per_lead": 100, "marketing_per_month": 0, "max_wait_days": 1e6},
        "team": {"reps": 10, "salary_per_month": 10_000, "deals_per_rep": 100, "attrition_per_year": 0,
                 "ramp_months": 0},
        "process": {"committee_size": 1, "objections_per_member": 0, "unresolved_chance": 0,
                    "stages": {s: {"days": 20, "loss_chance": 0} for s in
                               ("meeting", "demo", "technical", "procurement", "order")}},
        "deal": {"contract_value": 12_000, "discount": 0, "implementation_cost": 0, "implementation_months": 0,
                 "billing": "monthly", "payment_terms_days": 0, "renewal_chance": 1, "monthly_churn": 0,
                 "expansion_per_year": 0, "gross_margin": 1},
    }
    for dotted, value in changes.items():
        node = motion
        *parents, last = dotted.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return motion


def smb_text(contract_value: str, per_month: str = "300", extra: str = "", horizon: int = 36) -> str:
    """A one-motion SMB scenario file: its lead rate on line 6, its contract value on line 7, then ``extra``."""
    return (f"name: drawn\nhorizon_months: {horizon}\nmotions:\n  smb:\n    type: smb\n"
            f"    leads: {{per_month: {per_month}}}\n    deal: {{contract_value: {contract_value}}}\n"
            f"strategies:\n  smb: {{motions: [smb]}}\n{extra}")
