"""The scenario format: a company, its go-to-market motions, the strategies to compare.

Each class is one section of the YAML file; each field one key, declared
with its unit, default and meaning. Defaults are calibrated to
``shared/DOMAIN.md`` (the source article and public benchmarks): an
enterprise buying committee of 6-10 people raising 4-5 objections each over
about 7 months, against an SMB single decider buying in about 3 months.

Money is in the scenario's currency; durations carry their unit in the key
(``_days``, ``_months``); rates and chances are fractions (0.17, not 17%).
"""
from __future__ import annotations

import copy
import hashlib
import json
import weakref
from typing import Annotated, Literal, Mapping, Optional, Union

from pydantic import (Field, PrivateAttr, TypeAdapter, ValidationError, ValidationInfo, create_model,
                      model_validator)
from pydantic.fields import FieldInfo

from simulator.scenario.distributions import DISTRIBUTIONS, Distribution, WholeNumber
from simulator.scenario.funding import Policy, Round
from simulator.scenario.params import ParamValue, Section, param

STAGES = ("meeting", "demo", "technical", "procurement", "order")
SIGNALS = ("return_visit", "pricing_page", "adds_teammate", "uses_product")


def _dist(name: str, per: Optional[str] = None, **kwargs) -> Distribution:
    """A default distribution, written as a scenario file would write it."""
    return Distribution.model_validate({name: kwargs, **({"per": per} if per else {})})


class Company(Section):
    """The company placing the bet: its money and fixed costs."""

    starting_cash: ParamValue = param(2_000_000, "Cash in the bank at month 0.", unit="money", ge=0)
    overhead_per_month: ParamValue = param(
        40_000, "Fixed costs every month whatever the strategy: founders, product, rent, tools.",
        unit="money/month", ge=0)
    discount_rate_annual: ParamValue = param(
        0.12, "Annual discount rate for the NPV of monthly net cash flows.", unit="fraction/year", ge=0, lt=1)
    currency: str = Field("USD", description="Currency label used to format money (USD, EUR, GBP, PLN, ...).",
                          min_length=1, max_length=8)
    minimum_cash: ParamValue = param(
        0, "Cash buffer the company keeps: new money to raise is what keeps cash at or above this.", unit="money",
        ge=0)
    ltv_max_months: ParamValue = param(
        60, "Months of a customer's life LTV counts at most (also when no customer is seen to leave).",
        unit="months", gt=0, cap=600)
    funding: Optional[list[Round]] = Field(
        None, description="Funding rounds: money that comes in a month, or when a condition on the company's "
                          "state holds (see docs/funding.md).")


class Hire(Section):
    """One step of the hiring plan."""

    month: WholeNumber = Field(description="Month (1 = the first month) in which the reps start.", ge=1,
                               json_schema_extra={"unit": "month"})
    reps: WholeNumber = Field(1, description="How many reps start that month.", ge=1, le=1000,
                              json_schema_extra={"unit": "reps"})


class Team(Section):
    """The reps who work the motion's deals."""

    reps: ParamValue = param(2, "Reps at month 0.", unit="reps", ge=0, cap=1000, integer=True)
    hires: list[Hire] = Field(default_factory=list, description="Hiring plan: reps who start in later months.")
    salary_per_month: ParamValue = param(
        12_000, "Fully loaded cost of one rep per month, paid from the hire date.", unit="money/month", ge=0)
    commission_rate: ParamValue = param(
        0.0, "Commission paid at signature, as a share of the first year's contract value.",
        unit="fraction", ge=0, le=1)
    ramp_months: ParamValue = param(
        4, "Months for a new rep to reach full capacity; a ramping rep counts in proportion.",
        unit="months", ge=0, cap=24)
    deals_per_rep: ParamValue = param(
        8, "How many deals (leads, for SMB) one fully ramped rep works at once.", unit="deals", ge=1, cap=10_000,
        integer=True)
    attrition_per_year: ParamValue = param(
        0.2, "Chance that a rep leaves within a year (25-30% of field reps fail: KBCM, Skok).",
        unit="fraction/year", ge=0, le=1)
    replacement_delay_months: ParamValue = param(
        2, "Months from a rep leaving to the replacement starting (then ramping); rounded to whole months, "
           "halves to even (2.5 gives 2).", unit="months", ge=0, cap=24)
    quota_per_rep: Optional[float] = Field(
        None, description="Yearly bookings quota of one rep (first-year contract value signed). Set, it gives "
                          "pipeline coverage and quota attainment; unset, those read n/a.", gt=0,
        allow_inf_nan=False, json_schema_extra={"unit": "money/year"})


class LeadSource(Section):
    """Where the motion's leads come from, and what they cost."""

    per_month: ParamValue = param(
        6, "Leads (enterprise: new opportunities; SMB: trial sign-ups) per month at the start; "
           "the true rate is unknown, so a distribution is drawn once per run.",
        unit="leads/month", ge=0, cap=1_000_000)
    growth_per_month: ParamValue = param(
        0.0, "Monthly growth of the lead rate (0.02 = +2% a month, compounding).", unit="fraction/month",
        ge=-0.5, cap=1)
    cost_per_lead: ParamValue = param(0, "Variable cost of each lead (paid acquisition, meeting setting).",
                                      unit="money/lead", ge=0)
    marketing_per_month: ParamValue = param(0, "Fixed marketing spend per month (campaigns, content, events).",
                                            unit="money/month", ge=0)
    outsourced_leads_per_month: ParamValue = param(
        0, "Extra leads per month from outsourced lead generation.", unit="leads/month", ge=0, cap=1_000_000)
    outsourced_per_month: ParamValue = param(
        0, "Retainer paid to the outsourced lead-generation agency.", unit="money/month", ge=0)
    referrals_per_customer_per_month: ParamValue = param(
        0.0, "Leads referred by each paying customer per month (SMB's tight networks).",
        unit="leads/customer/month", ge=0, cap=10)
    max_wait_days: ParamValue = param(
        30, "A lead that waits longer than this for a free rep goes cold and is lost.", unit="days", gt=0)
    target_accounts: Optional[WholeNumber] = Field(
        None, description="Size of a finite list of target accounts (Target-Account Selling); leads come "
                          "only from accounts not in the pipeline, not customers and not cooling off. "
                          "Unset: an unlimited market.", ge=1, le=1_000_000,
        json_schema_extra={"unit": "accounts"})
    cooling_off_months: ParamValue = param(
        12, "Months an account that said no waits before it can be approached again.", unit="months", ge=0)


def with_defaults(base: type[Section], name: str, **defaults) -> type[Section]:
    """A section like ``base`` whose keys default differently (SMB deals bill monthly).

    Only defaults change: the keys, meanings and bounds stay those of ``base``.
    A section type as a value (``stages=MidmarketStages``) makes the key that
    section, with its own defaults all the way down, so that a file giving
    only ``demo: {days: 5}`` keeps the demo stage's other defaults.
    """
    fields = {}
    for key, value in defaults.items():
        info = base.model_fields[key]
        if isinstance(value, type):
            fields[key] = (value, FieldInfo.merge_field_infos(info, default_factory=value))
        else:
            override = {"default_factory": value} if callable(value) else {"default": value}
            fields[key] = (info.annotation, FieldInfo.merge_field_infos(info, **override))
    return create_model(name, __base__=base, __doc__=base.__doc__, **fields)


class Stage(Section):
    """One turning point of an enterprise deal."""

    days: ParamValue = param(10, "Calendar days the stage takes besides handling objections (scheduling, "
                                 "internal meetings).", unit="days", per="deal", per_deal=True, ge=0)
    loss_chance: ParamValue = param(0.2, "Chance the deal is lost at the end of this stage for reasons "
                                         "outside objections (budget, priorities, a competitor).",
                                    unit="fraction", ge=0, le=1, per_deal=True)
    objection_share: ParamValue = param(0.2, "Relative weight of the objections that surface in this stage.",
                                        unit="weight", ge=0)


MeetingStage = with_defaults(Stage, "MeetingStage", days=10, loss_chance=0.40, objection_share=0.15)
DemoStage = with_defaults(Stage, "DemoStage", days=14, loss_chance=0.30, objection_share=0.25)
TechnicalStage = with_defaults(Stage, "TechnicalStage", days=21, loss_chance=0.25, objection_share=0.30)
ProcurementStage = with_defaults(Stage, "ProcurementStage", days=30, loss_chance=0.15, objection_share=0.20)
OrderStage = with_defaults(Stage, "OrderStage", days=10, loss_chance=0.05, objection_share=0.10)


class Stages(Section):
    """The stages of an enterprise deal, in order: each is a turning point."""

    meeting: MeetingStage = Field(default_factory=MeetingStage,
                                  description="First meetings: is there a problem worth solving?")
    demo: DemoStage = Field(default_factory=DemoStage, description="Demos to the buying committee.")
    technical: TechnicalStage = Field(default_factory=TechnicalStage,
                                      description="Technical discussions, security review, pilot.")
    procurement: ProcurementStage = Field(default_factory=ProcurementStage,
                                          description="Procurement: legal, pricing, terms.")
    order: OrderStage = Field(default_factory=OrderStage, description="The order: signatures.")

    @model_validator(mode="after")
    def _some_share(self):
        shares = [getattr(self, s).objection_share for s in STAGES]
        if all(isinstance(x, (int, float)) for x in shares) and sum(shares) <= 0:
            raise ValueError("objection_share must be positive in at least one stage")
        return self


class CommitteeProcess(Section):
    """How a buying committee decides (enterprise and midmarket)."""

    committee_size: ParamValue = param(
        _dist("choice", values=[6, 7, 8, 9, 10], weights=[0.3, 0.25, 0.2, 0.15, 0.1]),
        "Decision makers in the buying group (6-10 in enterprise, 7.5 on average).",
        unit="people", per="deal", per_deal=True, ge=1, cap=100, integer=True)
    objections_per_member: ParamValue = param(
        _dist("uniform_int", low=4, high=5), "Objections each member raises (4-5: about 30 per deal).",
        unit="objections", per="deal", per_deal=True, ge=0, cap=100, integer=True)
    vendor_time_share: ParamValue = param(
        0.17, "Share of buying time the committee spends with vendors (17%, Gartner); handling an "
              "objection is stretched by its inverse.", unit="fraction", gt=0, le=1)
    objection_buyer_days: ParamValue = param(
        _dist("gamma", mean=1.6, sd=1.0), "Buyer days of attention one objection needs; in calendar days "
                                          "it takes this divided by vendor_time_share. Drawn per objection.",
        unit="days", per="deal", per_deal=True, ge=0)
    unresolved_chance: ParamValue = param(
        0.02, "Chance an objection is left unresolved, turning its member into a blocker.",
        unit="fraction", ge=0, le=1)
    blockers_to_lose: ParamValue = param(
        2, "Blockers that make the committee say no.", unit="members", ge=1, cap=100, integer=True)
    stages: Stages = Field(default_factory=Stages, description="The stages meeting, demo, technical, "
                                                               "procurement, order.")


class SignalEffect(Section):
    """One buying signal of an SMB decider."""

    chance: ParamValue = param(0.3, "Chance the decider shows this signal during the trial.", unit="fraction",
                               ge=0, le=1)
    lift: ParamValue = param(2.0, "Multiplier on the odds of buying when the signal shows.", unit="x", gt=0,
                             cap=1000)


ReturnVisit = with_defaults(SignalEffect, "ReturnVisit", chance=0.5, lift=1.5)
PricingPage = with_defaults(SignalEffect, "PricingPage", chance=0.35, lift=2.5)
AddsTeammate = with_defaults(SignalEffect, "AddsTeammate", chance=0.15, lift=3.0)
UsesProduct = with_defaults(SignalEffect, "UsesProduct", chance=0.4, lift=3.0)


class Signals(Section):
    """Behaviour that tells an SMB decider is buying."""

    return_visit: ReturnVisit = Field(default_factory=ReturnVisit, description="Comes back to the site.")
    pricing_page: PricingPage = Field(default_factory=PricingPage, description="Looks at the pricing page.")
    adds_teammate: AddsTeammate = Field(default_factory=AddsTeammate, description="Adds a teammate to the trial.")
    uses_product: UsesProduct = Field(default_factory=UsesProduct, description="Starts really using the product.")


class DeciderProcess(Section):
    """How a single SMB decider buys."""

    cycle_days: ParamValue = param(
        _dist("gamma", mean=95, sd=40), "Days from sign-up to the decision (about 3 months).", unit="days",
        per="deal", per_deal=True, gt=0)
    buy_chance: ParamValue = param(
        0.04, "Chance a decider who shows no buying signal buys.", unit="fraction", ge=0, le=1)
    signals: Signals = Field(default_factory=Signals, description="Buying signals and their effect.")
    touched_share: ParamValue = param(
        0.4, "Share of leads that need a rep (the rest buy self-serve, without one).", unit="fraction",
        ge=0, le=1)
    objections: ParamValue = param(
        _dist("poisson", mean=2), "Objections a rep handles for a touched lead.", unit="objections",
        per="deal", per_deal=True, ge=0, cap=100, integer=True)
    objection_days: ParamValue = param(
        3, "Days a touched lead holds a rep slot per objection.", unit="days", per="deal", per_deal=True, ge=0)
    unresolved_chance: ParamValue = param(
        0.1, "Chance an objection is left unresolved; the single decider then says no.", unit="fraction",
        ge=0, le=1)


class DealTerms(Section):
    """What a won deal is worth, and how it bills, renews and grows."""

    contract_value: ParamValue = param(
        _dist("lognormal", p5=50_000, p95=200_000), "List contract value per year (ACV).",
        unit="money/year", per="deal", per_deal=True, ge=0)
    discount: ParamValue = param(0.10, "Discount off the list value (annual prepay: 10-15%).", unit="fraction",
                                 ge=0, le=1, per_deal=True)
    implementation_cost: ParamValue = param(
        _dist("gamma", mean=15_000, sd=8_000), "Customization and implementation cost of a new client.",
        unit="money", per="deal", per_deal=True, ge=0)
    implementation_months: ParamValue = param(
        2, "Months from signature to go-live; billing and revenue start at go-live. Rounded to whole months, "
           "halves to even (2.5 gives 2).", unit="months",
        per="deal", per_deal=True, ge=0, cap=36)
    billing: Literal["annual", "quarterly", "monthly"] = Field(
        "annual", description="Billing period: invoices go out in advance for each period.")
    payment_terms_days: ParamValue = param(45, "Days from invoice to cash (net-30/60/90; card: 0).",
                                           unit="days", ge=0, cap=365)
    card_fee: ParamValue = param(0.0, "Card processing fee, as a share of each collection.", unit="fraction",
                                 ge=0, cap=0.2)
    renewal_chance: ParamValue = param(
        0.85, "Chance a customer renews at each yearly anniversary.", unit="fraction", ge=0, le=1)
    monthly_churn: ParamValue = param(
        0.0, "Chance a customer cancels in any month (logo churn; besides yearly renewal).",
        unit="fraction/month", ge=0, le=1)
    expansion_per_year: ParamValue = param(
        0.10, "Yearly growth of a retained customer's contract (upsell, seats).", unit="fraction/year",
        ge=-0.9, cap=10)
    gross_margin: ParamValue = param(0.80, "Gross margin: cost of revenue is (1 - margin) x revenue.",
                                     unit="fraction", ge=0, le=1)


EnterpriseLeads = with_defaults(
    LeadSource, "EnterpriseLeads", per_month=_dist("lognormal", p5=4, p95=9), cost_per_lead=500,
    marketing_per_month=5_000)
MidmarketLeads = with_defaults(
    LeadSource, "MidmarketLeads", per_month=_dist("lognormal", p5=8, p95=18), cost_per_lead=300,
    marketing_per_month=5_000, max_wait_days=21)
SmbLeads = with_defaults(
    LeadSource, "SmbLeads", per_month=_dist("lognormal", p5=250, p95=450), cost_per_lead=12,
    marketing_per_month=6_000, referrals_per_customer_per_month=0.02, max_wait_days=7)
MidmarketTeam = with_defaults(Team, "MidmarketTeam", salary_per_month=10_000, ramp_months=3, deals_per_rep=15)
SmbTeam = with_defaults(Team, "SmbTeam", salary_per_month=6_000, ramp_months=2, deals_per_rep=60)
MidmarketDeal = with_defaults(
    DealTerms, "MidmarketDeal", contract_value=_dist("lognormal", per="deal", p5=12_000, p95=50_000),
    implementation_cost=_dist("gamma", per="deal", mean=3_000, sd=2_000), implementation_months=1,
    payment_terms_days=30)
SmbDeal = with_defaults(
    DealTerms, "SmbDeal", contract_value=_dist("lognormal", per="deal", p5=600, p95=1_800), discount=0,
    implementation_cost=0, implementation_months=0, billing="monthly", payment_terms_days=0, card_fee=0.029,
    renewal_chance=1.0, monthly_churn=0.035, expansion_per_year=0.05)


class EnterpriseMotion(Section):
    """Enterprise: few large deals, decided by a buying committee over months."""

    type: Literal["enterprise"]
    start_month: int = Field(1, description="Month (1 = the first) in which the motion starts: its team, "
                                            "spending and leads begin then.", ge=1)
    leads: EnterpriseLeads = Field(default_factory=EnterpriseLeads, description="Lead source and its cost.")
    team: Team = Field(default_factory=Team, description="The reps.")
    deal: DealTerms = Field(default_factory=DealTerms, description="Deal economics.")
    process: CommitteeProcess = Field(default_factory=CommitteeProcess, description="The buying committee.")


MidmarketMeeting = with_defaults(Stage, "MidmarketMeeting", days=7, loss_chance=0.45, objection_share=0.15)
MidmarketDemo = with_defaults(Stage, "MidmarketDemo", days=10, loss_chance=0.35, objection_share=0.3)
MidmarketTechnical = with_defaults(Stage, "MidmarketTechnical", days=10, loss_chance=0.25, objection_share=0.3)
MidmarketProcurement = with_defaults(Stage, "MidmarketProcurement", days=14, loss_chance=0.15,
                                     objection_share=0.15)
MidmarketOrder = with_defaults(Stage, "MidmarketOrder", days=5, loss_chance=0.05, objection_share=0.1)
MidmarketStages = with_defaults(Stages, "MidmarketStages", meeting=MidmarketMeeting, demo=MidmarketDemo,
                                technical=MidmarketTechnical, procurement=MidmarketProcurement, order=MidmarketOrder)
MidmarketProcess = with_defaults(
    CommitteeProcess, "MidmarketProcess", committee_size=_dist("uniform_int", per="deal", low=3, high=5),
    objections_per_member=_dist("uniform_int", per="deal", low=3, high=4),
    objection_buyer_days=_dist("gamma", per="deal", mean=1.2, sd=0.8), stages=MidmarketStages)


class MidmarketMotion(Section):
    """Mid-market: smaller committees, shorter cycles (account mapping, case studies)."""

    type: Literal["midmarket"]
    start_month: int = Field(1, description="Month (1 = the first) in which the motion starts: its team, "
                                            "spending and leads begin then.", ge=1)
    leads: MidmarketLeads = Field(default_factory=MidmarketLeads, description="Lead source and its cost.")
    team: MidmarketTeam = Field(default_factory=MidmarketTeam, description="The reps.")
    deal: MidmarketDeal = Field(default_factory=MidmarketDeal, description="Deal economics.")
    process: MidmarketProcess = Field(default_factory=MidmarketProcess,
                                      description="The buying committee (3-5 people by default).")


class SmbMotion(Section):
    """SMB: many small deals, one decider buying from signals in about 3 months."""

    type: Literal["smb"]
    start_month: int = Field(1, description="Month (1 = the first) in which the motion starts: its team, "
                                            "spending and leads begin then.", ge=1)
    leads: SmbLeads = Field(default_factory=SmbLeads, description="Lead source and its cost.")
    team: SmbTeam = Field(default_factory=SmbTeam, description="The reps.")
    deal: SmbDeal = Field(default_factory=SmbDeal, description="Deal economics.")
    process: DeciderProcess = Field(default_factory=DeciderProcess, description="The single decider.")


Motion = Annotated[Union[EnterpriseMotion, MidmarketMotion, SmbMotion], Field(discriminator="type")]


class Strategy(Section):
    """A bet to compare: which motions run, with which changes."""

    description: str = Field("", description="What this bet is.")
    motions: list[str] = Field(description="Names of the motions this strategy runs.", min_length=1)
    overrides: dict[str, dict] = Field(
        default_factory=dict, description="Per motion, keys that differ in this strategy, as a nested "
                                          "mapping (enterprise: {team: {reps: 1}}).")
    policies: Optional[list[str]] = Field(
        None, description="Names of the runway rules (policies) this strategy follows; unset: every rule, "
                          "[]: none (the same plan without the rules).")


class Correlation(Section):
    """A rank correlation between two per-run parameters (Gaussian copula)."""

    between: list[str] = Field(description="Dotted paths of two per-run distribution parameters.",
                               min_length=2, max_length=2)
    rank: float = Field(description="Spearman rank correlation, from -1 to 1.", ge=-1, le=1)


class Scenario(Section):
    """A whole scenario file."""

    name: str = Field(description="Short name, used for the output directory.", min_length=1, max_length=100,
                      pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = Field("", description="The question the scenario answers.")
    horizon_months: WholeNumber = Field(36, description="Months simulated.", ge=1, le=240,
                                        json_schema_extra={"unit": "months"})
    runs: WholeNumber = Field(1000, description="Monte Carlo runs per strategy (the command line may override).",
                              ge=1, le=10_000_000, json_schema_extra={"unit": "runs"})
    seed: WholeNumber = Field(1, description="Root seed: the same seed gives the same results.", ge=0, lt=2**63)
    company: Company = Field(default_factory=Company, description="The company.")
    motions: dict[str, Motion] = Field(description="Named go-to-market motions.", min_length=1)
    strategies: dict[str, Strategy] = Field(description="Named strategies to compare.", min_length=1)
    correlations: list[Correlation] = Field(default_factory=list,
                                            description="Rank correlations between per-run parameters.")
    policies: Optional[list[Policy]] = Field(
        None, description="Runway rules checked at every month's end, each changing the plan while it holds "
                          "(see docs/funding.md).")

    # Provenance, not part of the value: the file the loader read (kept by model_copy and with_values).
    _source: str = PrivateAttr("")

    @model_validator(mode="after")
    def _check_across_keys(self, info: ValidationInfo):
        """The rules that relate keys to each other (months, strategies, correlations).

        The loader runs them itself, to point every problem at its line;
        ``Scenario.model_validate(data)`` runs them here.
        """
        if info.context and info.context.get(LOCATED_CHECKS):
            return self
        from simulator.scenario.loading import check_scenario   # the loader reads this module

        problems = check_scenario(self)
        if problems:
            raise ValueError("; ".join(str(p) for p in problems))
        return self

    def __eq__(self, other) -> bool:
        """Scenarios are equal when their values are, wherever they were read from."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None   # a value holding mappings: equal, but not hashable

    @property
    def source(self) -> str:
        """The file the scenario was read from ("" when built in Python); a variant keeps its origin's."""
        return self._source

    @property
    def sha256(self) -> str:
        """SHA-256 of the scenario's value: its :meth:`as_data` as canonical JSON.

        Canonical JSON: keys sorted, no spaces, UTF-8. Computed from the
        fields on every call (about 0.3 ms), so it is never stale: a changed
        value (``--set``, :meth:`with_values`, ``model_copy``) has another
        hash, and the same value has the same hash however its file was
        written (comments, key order, anchors, ``2.5e6`` or ``2_500_000``).
        """
        text = json.dumps(self.as_data(), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def strategy_motions(self, strategy: str) -> dict:
        """The validated motions a strategy runs (name -> motion), its overrides merged in.

        Derived from the scenario's fields on every call. A motion the
        strategy does not override is ``self.motions[name]`` itself. A
        merged one (about 1.5 ms to merge and validate) is memoised for this
        Scenario object, keyed on the motion object and the overrides'
        text, and checked against them on every call: repeated calls return
        the very same objects (the engine simulates a motion shared by
        strategies once, by identity), and no other scenario, such as a
        ``model_copy`` with other values, can ever be handed this one's.
        Raises :class:`ScenarioError` when the scenario is invalid
        (``model_copy`` does not validate).
        """
        plan = self.strategies[strategy]
        memo = _merge_memo(self)
        motions = {}
        for name in plan.motions:
            changes = plan.overrides.get(name)
            if name not in self.motions or (changes and "type" in changes):
                self._invalid()
            base = self.motions[name]
            if not changes:
                motions[name] = base
                continue
            key = (name, repr(changes))
            found = memo.get(key)
            if found is None or found[0] is not base:
                try:
                    found = memo[key] = (base, merged_motion(base.as_data(), changes))
                except ValidationError:
                    self._invalid()
            motions[name] = found[1]
        return motions

    def with_values(self, values: Mapping[str, object]) -> "Scenario":
        """A new scenario with the values at dotted paths changed, validated like a file.

        ``scenario.with_values({"motions.enterprise.team.reps": 4})`` does
        what ``--set motions.enterprise.team.reps=4`` does, by the same
        code: the same paths (a digit indexes a list), rules and messages.
        Values are Python values (``4``, ``"monthly"``, ``{"poisson":
        {"mean": 3}}``, ``[{"month": 3}]``), not YAML text; a section or
        distribution may be given as the model itself. Raises
        :class:`ScenarioError`; a problem a change causes names it as its
        source (``with_values motions.enterprise.team.reps=-4``).
        """
        from simulator.scenario.loading import vary   # the loader reads this module

        return vary(self, values)

    def _invalid(self):
        """Raise every problem of a scenario changed without validation (``model_copy``), found as in a file."""
        from simulator.scenario.errors import Problem, ScenarioError
        from simulator.scenario.loading import vary

        vary(self, {})   # validates the scenario's data like a file, raising its problems
        raise ScenarioError([Problem("the scenario is invalid", source=self.source)])


LOCATED_CHECKS = "located_checks"
"""Validation context key: the loader runs the cross-key checks itself, with lines."""

_MOTION = TypeAdapter(Motion)
_MERGES: dict[int, dict] = {}   # id(scenario) -> {(motion, repr(overrides)): (motion object, merged motion)}


def _merge_memo(scenario: Scenario) -> dict:
    """The merged motions memo of one Scenario object, dropped with the object.

    It lives outside the model so that ``model_copy`` (which copies private
    attributes) cannot carry it to a scenario with other values.
    """
    key = id(scenario)
    memo = _MERGES.get(key)
    if memo is None:
        memo = _MERGES[key] = {}
        weakref.finalize(scenario, _MERGES.pop, key, None)
    return memo


def merged_motion(motion: dict, changes: dict):
    """A motion (as plain data) with a strategy's overrides merged in, validated.

    Mappings merge key by key; a distribution, a list or a number replaces
    the motion's value whole. Raises pydantic's ValidationError.
    """
    return _MOTION.validate_python(deep_merge(motion, changes))


def deep_merge(base: dict, changes: dict) -> dict:
    """``base`` with ``changes`` merged in (neither is modified)."""
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and not is_distribution(value):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def is_distribution(value: dict) -> bool:
    """Is this mapping written as a distribution (it names one)?"""
    return any(key in DISTRIBUTIONS for key in value)
