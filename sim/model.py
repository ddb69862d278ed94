"""The Locality model: a Mesa model whose week is the story in DESIGN.md, told as an
ordered list of stages over numpy arrays, each timed.

    needs evolve -> needs noticed -> households assessed -> help allocated
    -> help works -> crises happen -> money moves -> everything recorded
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np

from agents import Agency, Household, KeyWorkerTeam
from parameters.loader import load_scenario
from parameters.schema import Regime as RegimeSpec
from parameters.schema import Scenario
from parameters.vocabulary import POOL

from .crises import crisis_kinds, resolve_crises
from .help import deliver_help
from .kernels import count_standing, first_help
from .ledger import Ledger
from .money import open_year, plan_capacity, settle_week
from .needs import NeedDynamics
from .population import build_households, build_social_network
from .recorder import Recorder, WeekCounts, classify_tiers
from .regimes import Books, Candidates, Regime
from .state import NEVER, WAITING
from .threads import run_parts, split, split_by_cost, threads_for

WEEKS_PER_YEAR = 52


class LocalityModel(mesa.Model):
    """Households with evolving needs meeting agencies that work siloed or integrated.

    `LocalityModel("sherwood", overrides={"regime.kind": "integrated"})`, or with plain
    keyword parameters as `mesa.batch_run` passes them:
    `LocalityModel(scenario="sherwood", **{"regime.kind": "integrated"})`.
    """

    def __init__(self, scenario: str | Path | Scenario | Mapping = "thanet", *, rng: Any = None,
                 overrides: Mapping[str, Any] | None = None, **parameters: Any):
        params = load_scenario(scenario, {**(overrides or {}), **parameters})
        if rng is None or isinstance(rng, (int, np.integer)):
            seed = params.run.seed if rng is None else int(rng)
        else:
            seed = int(np.random.default_rng(rng).integers(2**63))
        params.run.seed = seed
        super().__init__(rng=seed)
        self.params: Scenario = params
        population_stream, network_stream, shock_stream, decision_stream, panel_stream = np.random.SeedSequence(seed).spawn(5)
        self.decisions = np.random.default_rng(decision_stream)

        # The actors: agencies and the key-worker team are Mesa agents. The warm-up runs
        # the status quo (siloed); the scenario's own regime starts at week 0.
        self.status_quo = Regime.from_spec(RegimeSpec(kind="siloed").switches(), params)
        self.chosen_regime = Regime.from_spec(params.regime.switches(), params)
        self.regime = self.status_quo
        self.agency_list = [Agency(self, i, name, spec, params) for i, (name, spec) in enumerate(params.agencies.items())]
        self.keyworkers = KeyWorkerTeam(self, params, active=params.regime.switches().key_workers)
        self.payers = [a.name for a in self.agency_list] + [POOL]
        self.pool_index = len(self.agency_list)
        self.referral_graph = self._referral_graph()
        self.referral_odds = nx.to_numpy_array(self.referral_graph, nodelist=self.payers[:-1], weight="odds").astype(np.float32)

        # The mass of state: households in arrays, the social network as a sparse matrix.
        self.households = build_households(params, len(self.agency_list), np.random.default_rng(population_stream))
        # Fixed facts about agencies, as arrays for noticing over all agencies at once.
        self.clients = np.stack([self.households.has_children if a.families_only else np.ones(self.households.n, bool)
                                 for a in self.agency_list])  # (A, N): who each agency may serve
        self.domain_lists = np.full((len(self.agency_list), len(self.params.needs.shock_rate)), -1, np.int64)
        for agency in self.agency_list:
            self.domain_lists[agency.index, :agency.domains.size] = agency.domains  # padded with -1
        self.candidates = Candidates(len(self.agency_list), self.households.n)
        self.books = Books(len(self.agency_list), self.households.n)
        self.standing = np.zeros((len(self.agency_list), 4), np.int64)  # households per agency per status
        self.detection = np.array([a.spec.detection for a in self.agency_list])

        self.network = build_social_network(params, self.households.neighbourhood, np.random.default_rng(network_stream))
        # County-sized places do the biggest passes over households in two halves at once.
        threads = threads_for(self.households.n)
        self.parts = split(self.households.n, threads)
        self.agency_parts = split(len(self.agency_list), threads, align=1)
        # Noticing costs an agency about one pass per domain it watches.
        self.noticing_parts = split_by_cost([a.domains.size for a in self.agency_list], threads)
        self.dynamics = NeedDynamics(params, self.households, self.network, np.random.default_rng(shock_stream),
                                     self.parts)
        self.risk, self.n_problems = self.dynamics.risk, self.dynamics.n_problems
        self.crisis_kinds = crisis_kinds(params, {name: i for i, name in enumerate(self.payers)})
        self.ledger = Ledger(self.payers, params.run.years, self.households.n)
        self.counts = WeekCounts(len(self.payers), len(self.crisis_kinds))
        self._views: dict[int, Household] = {}

        self.stages = [
            ("needs evolve", self.evolve_needs),
            ("needs noticed", self.notice),
            ("households assessed", self.assess),
            ("help allocated", self.allocate),
            ("help works", partial(deliver_help, self)),
            ("crises happen", partial(resolve_crises, self)),
            ("money moves", partial(settle_week, self)),
            ("everything recorded", self.record),
        ]
        self.stage_seconds = dict.fromkeys((name for name, _ in self.stages), 0.0)
        self.total_steps = params.run.years * WEEKS_PER_YEAR
        self.recorder = Recorder(self, self.total_steps, params.run.record_every,
                                 panel_size=params.run.panel, panel_rng=np.random.default_rng(panel_stream))
        self.datacollector = mesa.DataCollector(model_reporters={
            "crises": lambda m: m.latest("crises"),
            "spend": lambda m: m.latest("spend"),
            "referrals": lambda m: m.latest("referrals"),
            "households_in_crisis": lambda m: m.latest("tier_crisis"),
        })
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
        self.counts.clear()
        self.ledger.start_week()
        self.inbox: dict[int, np.ndarray] = {}
        self.early_found: dict[int, np.ndarray] = {}
        self.caseloads: list[np.ndarray] = []  # each agency's open cases, from allocation
        for name, stage in self.stages:
            started = time.perf_counter()
            stage()
            self.stage_seconds[name] += time.perf_counter() - started
        self.week += 1

    def evolve_needs(self) -> None:
        """Stage 1, then the whole-family measures the later stages read (`risk`, `n_problems`)."""
        self.dynamics.evolve(self.households.severity, self.week)

    def notice(self) -> None:
        """Stage 2, by the regime in force; then, in a county, next week's shocks start
        to be drawn in the background (see `NeedDynamics.draw_ahead`)."""
        self.regime.notice(self)
        self.dynamics.draw_ahead(self.week + 1)

    def assess(self) -> None:
        """Stage 3, by the regime in force."""
        self.regime.assess(self)

    def allocate(self) -> None:
        """Stage 4, by the regime in force."""
        self.regime.allocate(self)

    def record(self) -> None:
        if self.recording:
            self.recorder.record(self)
            self.datacollector.collect(self)
        else:
            classify_tiers(self)

    def latest(self, column: str) -> float:
        return self.recorder.latest(column)

    # --- shared actions the regime strategies call ---------------------------------------
    def charge_assessment(self, payer: int, households: np.ndarray) -> None:
        """An assessment: its cost to the payer, and to the household a little engagement
        if it has been assessed lately (each extra assessment wears people down)."""
        if not households.size:
            return
        h = self.households
        cost = self.keyworkers.spec.assessment_cost if payer == self.pool_index else self.agency_list[payer].spec.assessment_cost
        self.ledger.book(payer, "assessment", households, cost)
        extra = h.recent_assessments[households] >= 0.5
        h.engagement[households[extra]] *= np.float32(1.0 - self.params.services.assessment_fatigue)
        h.recent_assessments[households] += 1.0
        h.last_assessed[households] = self.week
        h.assessments[households] += 1
        self.counts.assessments[payer] += households.size

    def join_waiting_list(self, payer: int, households: np.ndarray) -> None:
        if payer == self.pool_index:
            self.households.keyworker[households] = WAITING
            self.households.keyworker_since[households] = self.week
        else:
            self.households.status[payer, households] = WAITING
            self.households.waiting_since[payer, households] = self.week

    def tally_standing(self) -> None:
        """Count how many households stand in each status with each agency, once help has
        worked (crises and money change no one's status): read by money moves, to ration,
        and by the record."""
        run_parts(partial(count_standing, self.households.status, self.standing), self.agency_parts)

    def start_help(self, payer: int, households: np.ndarray) -> None:
        """Help begins: count the episode, and note how bad things were when help first came."""
        h = self.households
        self.counts.admissions[payer] += households.size
        first_help(households, self.week, h.severity, h.services, h.first_help_week, h.first_help_severity,
                   h.load_at_help, NEVER)

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
        open_year(self, 0)
        plan_capacity(self, self.week % WEEKS_PER_YEAR)
        for _ in range(weeks):
            self._run_week()
        self.week = 0
        self.recording = True
        self.regime = self.chosen_regime
        self.keyworkers.active = self.params.regime.switches().key_workers
        self.ledger.clear()
        self.households.reset_history()
        open_year(self, 1)
        plan_capacity(self, 0)

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
