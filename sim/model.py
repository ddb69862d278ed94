"""The Locality model: a Mesa model whose week is the story in docs/DESIGN.md, told as an
ordered, timed loop of stages over numpy arrays (`sim.loop`), each stage handing on what
it made in the week object (`sim.week`).

    people change (once a year) -> needs evolve -> needs noticed -> households assessed -> help allocated
    -> help works -> crises happen -> stocks move -> universal services
    -> money moves -> everything recorded

The model builds the world (households, the social network, the services, the books),
the engine that applies the rules (`sim.engine`), and the stages, each given only what
it needs; then it warms up on the status quo and runs the loop a week at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np

from locality.agents import Agency, Household, KeyWorkerTeam
from locality.parameters.loader import load_scenario
from locality.parameters.schema import Regime as RegimeSpec
from locality.parameters.schema import Scenario
from locality.parameters.vocabulary import POOL, WEEKS_PER_YEAR

from . import reporters
from .crises import Crises, crisis_kinds
from .demography import PeopleChange
from .engine import Engine, Mode
from .help import Help
from .ledger import CATEGORY, Ledger
from .loop import Loop, Observer
from .money import Money
from .needs import NeedsEvolve
from .population import build_households, build_social_network, newcomers_drawn
from .recorder import Recorder
from .regimes import Regime
from .services import Casework, Services
from .stocks import SETTLE_AFTER, StocksMove, stock_kinds
from .universal import UniversalServices, universal_kinds
from .week import EventLog, Week, WeekCounts

POOL_LABEL = "Pooled budget (key workers)"
SEEDS = 2**63  # engine: a seed drawn from a generator passed as `rng` is below this
# engine: the independent random streams of a run, each spawned from its seed, in this order
STREAMS = ("population", "network", "shocks", "decisions", "panel", "crises", "stocks", "demography", "keyworkers")


class LocalityModel(mesa.Model):
    """Households with evolving needs meeting agencies that work siloed or integrated.

    `LocalityModel("sherwood", overrides={"regime.kind": "integrated"})`, or with plain
    keyword parameters as `mesa.batch_run` passes them:
    `LocalityModel(scenario="sherwood", **{"regime.kind": "integrated"})`. `engine` is
    how the rules run: "fast" (compiled), "plain" (the readable numpy statements) or
    "check" (both, compared; see `sim.engine`). `usual`: business as usual already run
    on the same seed, as (its scenario, its crisis spend per year and agency), where
    savings are cashed or an agreement measured against it (`usual_given`).
    """

    def __init__(self, scenario: str | Path | Scenario | Mapping = "thanet", *, rng: Any = None,
                 overrides: Mapping[str, Any] | None = None, engine: Mode = "fast",
                 usual: tuple[Scenario, np.ndarray] | None = None, **parameters: Any):
        params = load_scenario(scenario, {**(overrides or {}), **parameters})
        if rng is None or isinstance(rng, (int, np.integer)):
            seed = params.run.seed if rng is None else int(rng)
        else:
            seed = int(np.random.default_rng(rng).integers(SEEDS))
        params.run.seed = seed
        super().__init__(rng=seed)
        self.params: Scenario = params
        streams = dict(zip(STREAMS, np.random.SeedSequence(seed).spawn(len(STREAMS)), strict=True))
        stream = {name: np.random.default_rng(s) for name, s in streams.items()}

        # The actors: agencies and the key-worker team are Mesa agents. The warm-up runs
        # the status quo (siloed); the scenario's own regime starts at week 0.
        self.switches = params.regime.switches()
        self.agency_list = [Agency(self, i, name, spec, params) for i, (name, spec) in enumerate(params.agencies.items())]
        self.keyworkers = KeyWorkerTeam(self, params, active=self.switches.key_workers)
        self.payers = [a.name for a in self.agency_list] + [POOL]
        self.pool_index = len(self.agency_list)
        self.referral_graph = self._referral_graph()
        referral_odds = nx.to_numpy_array(self.referral_graph, nodelist=self.payers[:-1], weight="odds").astype(np.float32)

        # The world: households in arrays, the social network as a sparse matrix, the books.
        payer_index = {name: i for i, name in enumerate(self.payers)}
        self.households = build_households(params, len(self.payers), stream["population"])
        self.network = build_social_network(params, self.households.neighbourhood, stream["network"])
        self.services = Services(self.agency_list, self.keyworkers, self.households, referral_odds,
                                 params.services.crisis_referred_to)
        self.crisis_kinds = crisis_kinds(params, payer_index)
        self.stock_kinds = stock_kinds(params, payer_index)
        self.ledger = Ledger(self.payers, params.run.years, self.households.n)
        self.stocks = StocksMove(self.households, self.stock_kinds, self.crisis_kinds, self.ledger, stream["stocks"])
        # Noticing costs an agency about one pass per domain it watches.
        self.engine = Engine(self.households.n, len(self.agency_list), [a.domains.size for a in self.agency_list],
                             mode=engine)
        self.casework = Casework(self.households, self.services, self.ledger, self.engine,
                                 stream["decisions"], params.services, params.needs, stream["keyworkers"])

        # The stages, each given what it needs.
        self.needs = NeedsEvolve(params, self.households, self.network, streams["shocks"], self.engine)
        self.status_quo = Regime.build(RegimeSpec(kind="siloed").switches(), self.casework)
        self.chosen_regime = Regime.build(self.switches, self.casework)
        self.regime = self.status_quo
        self.universal = UniversalServices(self.households, universal_kinds(params, payer_index), self.ledger,
                                           self.engine)
        agreement, cashing = has_agreement(params), cashes_savings(params)
        yardstick = None
        if agreement or cashing:  # business as usual's crisis spend: given, if it was run already, or run here
            yardstick = usual_given(params, usual) if usual is not None else status_quo_crisis_spend(params, engine)
        self.money = Money(self.agency_list, self.keyworkers, self.ledger, params.services, params.run.years,
                           self.universal, params.demography, yardstick, agreement, params.finance.cashable_share if cashing else 0.0)
        self.total_steps = params.run.years * WEEKS_PER_YEAR
        self.recorder = Recorder(self.households, self.agency_list, self.keyworkers, self.ledger, params.needs,
                                 params.outcomes, self.engine, [(k.name, k.label) for k in self.crisis_kinds], self.payers,
                                 [a.label for a in self.agency_list] + [POOL_LABEL], self.total_steps,
                                 params.run.record_every, [(k.name, k.label) for k in self.stock_kinds],
                                 panel_size=params.run.panel, panel_rng=stream["panel"],
                                 place_scale=params.demography.place_scale)
        child_stocks = [s for s, kind in enumerate(self.stock_kinds) if kind.who == "child"]
        people = PeopleChange(self.households, params.population, params.demography, stream["demography"], child_stocks,
                              newcomers_drawn(params, self.households),
                              on_change=[self.needs.people_changed, self.services.people_changed])
        self.loop = Loop([
            ("people change", people),
            ("needs evolve", self.needs),
            ("needs noticed", lambda week: week.regime.notice(week)),
            ("households assessed", lambda week: week.regime.assess(week)),
            ("help allocated", lambda week: week.regime.allocate(week)),
            ("help works", Help(self.casework)),
            ("crises happen", Crises(self.households, self.crisis_kinds, self.ledger, stream["crises"])),
            ("stocks move", self.stocks),
            ("universal services", self.universal),
            ("money moves", self.money),
            ("everything recorded", self.record),
        ])
        # Next week's shocks are drawn in the background (where there is a thread to spare)
        # once noticing, which uses both cores, is done.
        self.loop.watch("after needs noticed", self.needs.draw_ahead, events=False)
        self.datacollector = mesa.DataCollector(model_reporters=reporters.model_reporters(self.recorder, self.ledger),
                                                agenttype_reporters=reporters.agency_reporters(self.recorder))
        self._views: dict[int, Household] = {}
        self._warm_up(params.run.warmup_weeks)

    # --- the week ------------------------------------------------------------------------
    def step(self) -> None:
        """One week: every stage of the story in order, each timed. Once `run.years` are
        done, `running` is False and further steps do nothing."""
        if not self.running:
            return
        self._run_week()
        if self.recording and self.week >= self.total_steps:
            self.running = False

    def _run_week(self) -> None:
        self.ledger.start_week()
        week = Week(number=self.week, regime=self.regime,
                    counts=WeekCounts(len(self.payers), len(self.crisis_kinds), len(self.stock_kinds)),
                    events=EventLog(self.loop.wants_events))
        self.loop.run(week)
        self.week += 1

    def record(self, week: Week) -> None:
        """Stage 8: the week into the results (before recording begins, only the tiers)."""
        if self.recording:
            self.recorder.record(week)
            self.datacollector.collect(self)
        else:
            self.recorder.classify()

    def watch(self, point: str, observer: Observer) -> None:
        """Call `observer(week)` at a named point of every week ("before help works",
        "after crises happen", ...; `loop.points` lists them); stages then tell the week
        what happened to whom (`week.events`)."""
        self.loop.watch(point, observer)

    def __repr__(self) -> str:
        p = self.params
        done = f"week {self.week} of {self.total_steps}" if self.recording else "warming up"
        return (f"<LocalityModel {p.place.name}, {self.households.n:,} households, {p.regime.kind}, seed {p.run.seed}: "
                f"{done}, {self.recorder.so_far[self.recorder.at['crises']]:,.0f} crises so far>")

    def _repr_html_(self) -> str:
        """In a notebook: the line above and this week's main figures."""
        shown = ["referrals", "assessments", "waiting", "crises", "tier_crisis", "spend"]
        rows = "".join(f"<tr><td>{name.replace('_', ' ')}{' (£)' if name == 'spend' else ''}</td><td>{self.latest(name):,.0f}</td></tr>"
                       for name in shown)
        heading = repr(self).strip("<>").replace("&", "&amp;")
        return f"<p><b>{heading}</b></p><table><tr><th>this week</th><th></th></tr>{rows}</table>"

    @property
    def stage_seconds(self) -> dict[str, float]:
        return dict(self.loop.seconds)

    def latest(self, column: str) -> float:
        return self.recorder.latest(column)

    # --- set-up ----------------------------------------------------------------------------
    def _referral_graph(self) -> nx.DiGraph:
        """Which agency refers open cases to which, with the weekly odds of doing so."""
        graph = nx.DiGraph()
        graph.add_nodes_from(self.payers[:-1])
        for agency in self.agency_list:
            for target, odds in agency.spec.refers_to.items():
                graph.add_edge(agency.name, target, odds=odds)
        return graph

    def _warm_up(self, weeks: int) -> None:
        """Run unrecorded weeks of the status quo (siloed, year-0 budgets: no cut, no pool,
        no shift) so caseloads and waiting lists settle; then the scenario's policy starts
        at week 0. Variants of one scenario thus start from the same present."""
        self.recording = False
        self.keyworkers.active = False
        self.week = -weeks
        self.money.open_year(0, week_of_year=self.week % WEEKS_PER_YEAR)
        self.money.plan_capacity(self.week % WEEKS_PER_YEAR)
        for done in range(weeks):
            if done == weeks // SETTLE_AFTER:  # needs have settled by now: the placements are drawn again for them
                self.stocks.settle()
            self._run_week()
        self.week = 0
        self.recording = True
        self.regime = self.chosen_regime
        self.keyworkers.active = self.switches.key_workers
        self.ledger.clear()
        self.households.forget_history()
        self.money.open_year(1)
        self.money.plan_capacity(0, staff_move=False)  # the last warm-up week moved the staff

    # --- views ------------------------------------------------------------------------------
    def household(self, index: int) -> Household:
        """A Mesa agent viewing one household (made on first request)."""
        if not 0 <= index < self.households.n:
            raise IndexError(f"household {index} does not exist (0 to {self.households.n - 1})")
        if index not in self._views:
            self._views[index] = Household(self, index)
        return self._views[index]

    def social_network(self) -> nx.Graph:
        """The households' social ties as a networkx graph (built on demand)."""
        adjacency = self.network.copy()
        adjacency.setdiag(0)
        adjacency.eliminate_zeros()
        return nx.from_scipy_sparse_array(adjacency)

    def run(self) -> None:
        """Run to the end of `run.years`."""
        while self.running:
            self.step()


def business_as_usual(params: Scenario) -> Scenario:
    """The scenario as it would run without the policy: siloed, with no early-intervention
    shift, its savings neither cashed nor reinvested in a pool (siloed has none); cuts,
    demand and the seed as the scenario has them."""
    finance = params.finance.model_copy(update={"reinvest_in": "prevention", "cashable_share": 0.0})
    shift = params.early_intervention.model_copy(update={"shift": 0.0})
    return params.model_copy(update={"regime": RegimeSpec(kind="siloed"), "finance": finance,
                                     "early_intervention": shift}, deep=True)


def has_agreement(params: Scenario) -> bool:
    """An investment agreement is in force: asked for, with key workers and a pool to share."""
    switches = params.regime.switches()
    return params.regime.investment_agreement and switches.key_workers and switches.pooled_share > 0


def cashes_savings(params: Scenario) -> bool:
    """Funders cash a share of savings, and there can be any: the scenario is a policy,
    not business as usual itself (which saves nothing against itself)."""
    usual = business_as_usual(params)
    is_policy = params.regime.switches() != usual.regime.switches() or params.early_intervention.shift > 0
    return params.finance.cashable_share > 0 and is_policy


def same_run(one: Scenario, other: Scenario) -> bool:
    """Whether two scenarios make the same run: equal in everything but how their regime
    is written, and equal in what the model reads of it (its switches, an agreement)."""
    return (one.model_dump(exclude={"regime"}) == other.model_dump(exclude={"regime"})
            and one.regime.switches() == other.regime.switches() and has_agreement(one) == has_agreement(other))


def usual_given(params: Scenario, usual: tuple[Scenario, np.ndarray]) -> np.ndarray:
    """Business as usual's crisis spend per year and agency handed in by a caller that has
    run it already (`experiments.payback`'s status quo, on the same seed), so it is not
    run again; refused unless it is exactly the run `status_quo_crisis_spend` would make."""
    scenario, spend = usual
    if not same_run(scenario, business_as_usual(params)):
        raise ValueError("the business-as-usual run handed in is not this scenario's (another seed, levers or "
                         "regime): leave `usual` out and the model runs its own")
    return np.array(spend, np.float64, copy=True)


def status_quo_crisis_spend(params: Scenario, engine: Mode = "fast") -> np.ndarray:
    """Crisis spend per year and agency, (years, agencies), of the scenario's business as
    usual (`business_as_usual`) on the same seed (common random numbers): what each agency
    would have spent on crises without the policy, the yardstick of an investment
    agreement (`sim.agreement`) and of savings cashed (`finance.cashable_share`), run on
    the same engine."""
    twin = LocalityModel(business_as_usual(params), engine=engine)
    twin.run()
    return twin.ledger.spend[:, :len(twin.agency_list), CATEGORY["crisis"]].copy()
