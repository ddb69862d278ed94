"""A reference implementation written the plain Mesa way, for tests and the benchmark only.

Every household is a Mesa agent that steps itself in Python (`shuffle_do("step")`, then
`do("commit")` so that everyone reads last week's neighbours), and agencies loop over
households one by one. It implements the weekly story of both regimes, and of the mixes
the `regime.*` switches make, independently of the vectorised engine in `sim/model.py`
(warming up siloed, as the model does), reusing only the population builder (with the
statutory stocks seeded as the model seeds them), the agencies' budget decisions
(`agents.Agency`), the key-worker team's (its size, tiers and doses: `agents.KeyWorkerTeam`)
and the ledger. An investment agreement is not implemented here. Agreement between the
two, in distribution over many seeds, guards the fast engine's correctness; the speed
ratio between them is what vectorising buys.
"""

from __future__ import annotations

import math

import mesa
import numpy as np
from mesa.agent import AgentSet

from locality.agents import Agency, KeyWorkerTeam
from locality.agents.keyworkers import NO_TIER
from locality.parameters.loader import load_scenario
from locality.parameters.schema import Regime, age_band
from locality.parameters.vocabulary import CATEGORIES, DOMAINS, POOL, TIERS, WEEKS_PER_YEAR

from .crises import crisis_kinds
from .demography import OLDEST, draw_composition, what_ages_decide
from .ledger import CATEGORY, Ledger
from .model import STREAMS
from .needs import age_risks, age_scale
from .noticing import DRAWS_PER_FAMILY
from .population import build_households, build_social_network, draw_traits_and_needs
from .state import AT_HOME, COMPLEX, CRISIS, EARLY, LONG_AGO, NEVER, NO_CHILD, NONE, SERVED, UNIVERSAL, VULNERABLE, WAITING
from .stocks import SETTLE_AFTER, seed_stocks, stock_kinds
from .universal import universal_kinds

D = len(DOMAINS)


class ReferenceHousehold(mesa.Agent):
    """One household, its needs held in plain Python lists."""

    def __init__(self, model: ReferenceModel, index: int, arrays):
        super().__init__(model)
        self.index = index
        self.severity = [float(arrays.severity[d, index]) for d in range(D)]
        self.has_children = bool(arrays.has_children[index])
        self.resilience = float(arrays.resilience[index])
        self.base_engagement = self.engagement = float(arrays.base_engagement[index])
        self.frailty = float(arrays.frailty[index])
        self.ties: list[tuple[ReferenceHousehold, float]] = []
        self.start_afresh(len(model.agency_list) + 1)
        self.crisis_domains: set[int] = set()
        self.crisis_now = False
        self.crises = 0
        self.children, self.adults = int(arrays.children[index]), int(arrays.adults[index])
        self.head_age = int(arrays.head_age[index])
        self.risk = model.risk_by_age[self.head_age]  # relative chance of new problems per domain at this age
        self.may_have = [bool(arrays.may_have[d, index]) for d in range(D)]  # which needs the household can have
        present = arrays.child_age[:, index] != NO_CHILD
        self.child_ages = [int(age) for age in arrays.child_age[present, index]]  # at home or in care
        self.child_in = [int(where) for where in arrays.child_in[present, index]]  # AT_HOME, or the stock each is in
        self.in_stock = [int(arrays.in_stock[s, index]) for s in range(arrays.in_stock.shape[0])]
        self.next = self.severity

    def start_afresh(self, services: int) -> None:
        """No history with any service (the agencies, then the key-worker team, last)."""
        self.standing = [NONE] * services
        self.weeks_open = [0] * services
        self.waiting_since = [0] * services
        self.last_assessed = [LONG_AGO] * services
        self.recent_assessments = 0.0
        self.plan_tier = 0  # the key-work tier the family was referred to
        self.plan_since = NEVER  # when its child protection plan began
        self.declined_week = LONG_AGO  # when it last declined a key worker

    def child_goes_in(self, s: int, rng: np.random.Generator) -> None:
        """One of the children at home, at random, goes into placement `s`."""
        at_home = [i for i, where in enumerate(self.child_in) if where == AT_HOME]
        self.child_in[at_home[int(rng.integers(len(at_home)))]] = s

    def child_comes_out(self, s: int, home: bool, rng: np.random.Generator) -> None:
        """One of the children in placement `s`, at random, comes home or leaves for good."""
        inside = [i for i, where in enumerate(self.child_in) if where == s]
        i = inside[int(rng.integers(len(inside)))]
        if home:
            self.child_in[i] = AT_HOME
        else:
            del self.child_ages[i], self.child_in[i]

    def step(self) -> None:
        """Needs evolve: coupling, recovery, spread from last week's neighbours (in the
        weeks it applies), shocks."""
        m = self.model
        old = self.severity
        new = []
        for d in range(D):
            s = old[d]
            pull = sum(m.coupling[j][d] * old[j] for j in range(D))
            value = s * (1.0 - m.recovery[d] * self.resilience) + pull * (1.0 - s)
            if m.spread_due:
                neighbours = sum(w * other.severity[d] for other, w in self.ties) if self.ties else s
                value += m.spread * (neighbours - s)
            for _ in range(m.shocks.poisson(m.shock_rate[d] * m.growth[d] * self.frailty * self.risk[d])):
                value += m.shocks.exponential(m.shock_size[d])
            value = min(max(value, 0.0), 1.0)
            if not self.may_have[d]:
                value = 0.0
            new.append(value)
        self.next = new

    def commit(self) -> None:
        self.severity = self.next

    def need_for(self, agency: Agency) -> float:
        if agency.families_only and not self.has_children:
            return 0.0
        return max(self.severity[d] for d in agency.domains)


class ReferenceModel(mesa.Model):
    """The scenario's regime, household by household (the warm-up siloed)."""

    def __init__(self, scenario="sherwood", *, overrides=None, rng=None):
        spec = load_scenario(scenario, overrides or {})
        if spec.regime.investment_agreement:
            raise ValueError("regime.investment_agreement is not implemented in the reference model: "
                             "set regime.investment_agreement=false")
        if spec.finance.cashable_share > 0:
            raise ValueError("finance.cashable_share is not implemented in the reference model: "
                             "set finance.cashable_share=0")
        seed = spec.run.seed if rng is None else int(rng)
        super().__init__(rng=seed)
        self.params = spec
        streams = dict(zip(STREAMS, np.random.SeedSequence(seed).spawn(len(STREAMS)), strict=True))  # as the model's
        population, network = streams["population"], streams["network"]
        self.shocks = np.random.default_rng(streams["shocks"])
        self.decisions = np.random.default_rng(streams["decisions"])
        self.chances = np.random.default_rng(streams["crises"])  # crises and stocks, drawn one by one here
        self.team_draws = np.random.default_rng(streams["keyworkers"])
        self.people = np.random.default_rng(streams["demography"])
        needs = spec.needs
        self.coupling = [[needs.coupling.get(a, {}).get(b, 0.0) for b in DOMAINS] for a in DOMAINS]
        self.recovery = [needs.recovery[d] for d in DOMAINS]
        self.shock_rate = [needs.shock_rate[d] * needs.shock_scale for d in DOMAINS]
        self.shock_size = [needs.shock_size[d] for d in DOMAINS]
        self.spread_every = needs.spread_every
        self.spread = 1.0 - (1.0 - needs.spread) ** needs.spread_every

        self.agency_list = [Agency(self, i, name, a, spec) for i, (name, a) in enumerate(spec.agencies.items())]
        self.team = KeyWorkerTeam(self, spec, active=False)  # runs from week 0, if the regime has one
        self.t = len(self.agency_list)  # the team's place among the services, after the agencies
        self.chosen = spec.regime.switches()
        self.switches = Regime(kind="siloed").switches()  # the warm-up's
        team = self.team.spec
        self.plan_effect = [team.effect * team.whole_family_bonus * dose for dose in self.team.doses]
        self.plan_cost = list(self.team.worker_week_per_family + self.team.services_per_family_week)
        self.plan_domain_effect = list(team.domain_effects().values())
        self.payers = [a.name for a in self.agency_list] + [POOL]
        self.refer = {(a.index, self.payers.index(t)): p for a in self.agency_list for t, p in a.spec.refers_to.items()}
        payer_index = {name: i for i, name in enumerate(self.payers)}
        self.crisis_kinds = crisis_kinds(spec, payer_index)
        self.stock_kinds = stock_kinds(spec, payer_index)
        self.universal = universal_kinds(spec, payer_index)
        arrays = build_households(spec, len(self.agency_list) + 1, np.random.default_rng(population))
        seed_stocks(arrays, self.stock_kinds, self.crisis_kinds, np.random.default_rng(streams["stocks"]))
        weights = build_social_network(spec, arrays.neighbourhood, np.random.default_rng(network))
        scale = age_scale(spec.needs.age_risk, arrays.head_age, arrays.frailty, arrays.may_have)  # as sim.needs, at the start
        self.risk_by_age = (age_risks(spec.needs.age_risk, np.arange(OLDEST + 1)) * scale[:, None]).T.tolist()
        self.homes = [ReferenceHousehold(self, i, arrays) for i in range(arrays.n)]
        for home in self.homes:
            row = slice(weights.indptr[home.index], weights.indptr[home.index + 1])
            home.ties = [(self.homes[j], float(w)) for j, w in zip(weights.indices[row], weights.data[row]) if j != home.index]
        self.households = AgentSet(self.homes, random=self.random)

        self.ledger = Ledger(self.payers, spec.run.years, len(self.homes))
        self.rows: list[dict] = []
        self.week = -spec.run.warmup_weeks
        self._open_year(0, self.week % WEEKS_PER_YEAR)
        self._plan(self.week % WEEKS_PER_YEAR)
        for done in range(spec.run.warmup_weeks):
            if done == spec.run.warmup_weeks // SETTLE_AFTER:  # as the model: placements drawn again once needs have settled
                self._settle_stocks()
            self._week()
        self.week, self.rows = 0, []
        self.switches, self.team.active = self.chosen, self.chosen.key_workers
        self.ledger.clear()
        self._open_year(1)
        self._plan(0, staff_move=False)  # the last warm-up week moved the staff

    # --- the year's money (the agencies' own decisions) ----------------------------------
    # --- people change, once a year (as sim.demography) -------------------------------------
    def _people_change(self) -> None:
        demo, pop = self.params.demography, self.params.population
        low, high = age_band(demo.fertile_ages)
        for home in self.homes:
            home.head_age += home.head_age < OLDEST
            home.child_ages = [age + 1 for age in home.child_ages]
            from_home = 0
            for age, where in zip(home.child_ages, home.child_in):
                if age >= demo.leaving_age and where == AT_HOME:
                    from_home += 1
                elif age >= demo.leaving_age:
                    home.in_stock[where] -= 1  # leaves care on coming of age
            kept = [i for i, age in enumerate(home.child_ages) if age < demo.leaving_age]
            home.child_ages = [home.child_ages[i] for i in kept]
            home.child_in = [home.child_in[i] for i in kept]
            home.children -= from_home
            staying = sum(self.people.random() < demo.stays_home for _ in range(from_home))
            home.adults = min(home.adults + staying, pop.max_adults)
            if low <= home.head_age <= high and len(home.child_ages) < pop.max_children:
                if self.people.random() < demo.birth_rate:
                    home.child_ages.append(0)
                    home.child_in.append(AT_HOME)
                    home.children += 1
            home.has_children = bool(home.child_ages)
            home.may_have = self._may_have(home)
            home.risk = self.risk_by_age[home.head_age]
            chance = demo.dissolution if home.head_age >= demo.dissolve_from else demo.move_away
            if (self.people.random() < chance or home.head_age >= OLDEST) and not any(home.in_stock):
                self._newcomer(home)

    def _may_have(self, home: ReferenceHousehold) -> list[bool]:
        """Which needs the household can have, as its ages now decide (the model's rule, on one home)."""
        ages = np.full((max(len(home.child_ages), 1), 1), NO_CHILD, np.int8)
        ages[:len(home.child_ages), 0] = home.child_ages
        decided = what_ages_decide(np.array([home.head_age]), ages, np.array([home.has_children]), self.params.demography)
        return [bool(x) for x in decided["may_have"][:, 0]]

    def _newcomer(self, home: ReferenceHousehold) -> None:
        """A newcomer household takes the home: drawn as the model draws them, with no
        history with services."""
        drawn = draw_composition(self.params.population, self.params.demography, 1, self.people, newcomers=True)
        drawn |= draw_traits_and_needs(self.params, drawn["may_have"], self.people)
        home.head_age, home.adults, home.children = int(drawn["head_age"][0]), int(drawn["adults"][0]), int(drawn["children"][0])
        home.child_ages = [int(age) for age in drawn["child_age"][:, 0] if age != NO_CHILD]
        home.child_in = [AT_HOME] * len(home.child_ages)
        home.has_children = bool(drawn["has_children"][0])
        home.may_have = [bool(drawn["may_have"][d, 0]) for d in range(D)]
        home.risk = self.risk_by_age[home.head_age]
        home.severity = home.next = [float(drawn["severity"][d, 0]) for d in range(D)]
        home.resilience, home.frailty = float(drawn["resilience"][0]), float(drawn["frailty"][0])
        home.base_engagement = home.engagement = float(drawn["base_engagement"][0])
        home.start_afresh(len(self.agency_list) + 1)
        home.crisis_domains, home.crisis_now, home.crises = set(), False, 0

    def _open_year(self, year: int, week_of_year: int = 0) -> None:
        self.ledger.year = max(year - 1, 0)
        if year == 0:
            self.ledger.spend[0] = 0.0  # the warm-up's year opens afresh
        demography = self.params.demography
        scale = demography.place_scale(year)
        for agency in self.agency_list:
            if year >= 1 and scale != demography.place_scale(year - 1):
                agency.place_grew(scale / demography.place_scale(year - 1))
            agency.decide(year)
            agency.open_year(year, left=(WEEKS_PER_YEAR - week_of_year) / WEEKS_PER_YEAR)
            universal = sum(kind.year_cost * self._users(home, kind.per) for kind in self.universal
                            for home in self.homes if kind.payer == agency.index)
            self.ledger.budget[self.ledger.year, agency.index] = agency.budget + universal
        pooled = sum(agency.contribution + agency.reinvested_in_pool for agency in self.agency_list)
        self.team.open_year(pooled, scale)
        self.ledger.budget[self.ledger.year, self.t] = pooled

    @staticmethod
    def _users(home: ReferenceHousehold, per: str) -> int:
        return {"household": 1, "adult": home.adults, "child": home.children,
                "person": home.adults + home.children}[per]

    def _plan(self, week_of_year: int, staff_move: bool = True) -> None:
        for agency in self.agency_list:
            agency.plan_capacity(self.ledger.spent_this_year(agency.index), week_of_year, CATEGORY, staff_move)

    def step(self) -> None:
        if self.week >= self.params.run.years * WEEKS_PER_YEAR:
            self.running = False
            return
        self._week()

    # --- one week, household by household -------------------------------------------------
    def _week(self) -> None:
        self.ledger.start_week()
        self.plans_started = self.plans_ended = 0  # child protection plans, this week
        if self.week % WEEKS_PER_YEAR == 0:
            self._people_change()
        self.growth = [(1.0 + trend) ** (self.week / WEEKS_PER_YEAR) for trend in self.params.demand.trends().values()]
        self.spread_due = self.week % self.spread_every == 0
        self.households.shuffle_do("step")
        self.households.do("commit")
        referrals = self._notice()
        self._assess(referrals)
        self._allocate()
        self._help()
        crises = self._crises()
        self._stocks()
        self._universal()
        self._settle()
        if self.week >= 0:
            self._record(crises, sum(len(r) for r in referrals[0].values()))
        self.week += 1

    def _notice(self):
        """Who is noticed this week: by the key-worker team first (if the regime has one),
        then by each agency above its threshold, or for early help below it. A family
        with a key worker is not the agencies' to notice; with shared records (the
        shared risk score) no referral between agencies is lost."""
        services = self.params.services
        line = self.params.needs.problem_line
        loss = 0.0 if self.switches.shared_risk else services.referral_loss
        inbox, early = {}, {}
        if self.switches.key_workers:
            inbox[self.t] = self._notice_team()
        for agency in self.agency_list:
            a = agency.index
            inbox[a], early[a] = [], []
            for home in self.homes:
                if home.standing[a] != NONE or (agency.families_only and not home.has_children):
                    continue
                if home.standing[self.t] == SERVED:
                    continue
                need = home.need_for(agency)
                by_crisis = any(d in home.crisis_domains for d in agency.domains)
                if need >= agency.threshold:
                    chance = 1.0 - math.prod(1.0 - self.refer.get((b, a), 0.0)
                                             for b in range(len(self.agency_list)) if home.standing[b] == SERVED)
                    referred = self.decisions.random() < chance
                    lost = referred and self.decisions.random() < loss
                    seen = self.decisions.random() < agency.spec.detection
                    if by_crisis or seen or (referred and not lost):
                        inbox[a].append(home)
                elif by_crisis and agency.name in services.crisis_referred_to:  # a crisis it hears of whatever the need
                    inbox[a].append(home)
                elif need >= line and self.decisions.random() < services.early_detection:
                    early[a].append(home)
        return inbox, early

    def _notice_team(self) -> list[ReferenceHousehold]:
        """Families reach the key-worker team by its routes (a crisis last week, the shared
        risk score, a referral from an agency with an open case), as long as the tier
        that would take them has room on its waiting list: crises first, the rest in a
        random order. Each is asked; those who agree join the team's list for that tier,
        and those who decline are not asked again for a while."""
        spec, team, t = self.team.spec, self.team, self.t
        line = self.params.needs.problem_line
        room = list(team.slots_by_tier)
        for home in self.homes:
            if home.standing[t] == WAITING:
                room[home.plan_tier] -= 1
        if not any(r > 0 for r in room):
            return []
        by_risk = "risk_score" in spec.routes and self.switches.shared_risk
        found = []
        for home in self.homes:
            if home.standing[t] != NONE or self.week - home.declined_week < spec.asked_again_weeks:
                continue
            problems = sum(1 for s in home.severity if s >= line)
            tier = int(team.tier_of(np.array([problems]), np.array([sum(home.severity)], np.float32))[0])
            if tier == NO_TIER:
                continue
            scored_draw, referral_draw, consent_draw, order_draw = self.team_draws.random(len(DRAWS_PER_FAMILY))
            crisis = home.crisis_now and "crisis" in spec.routes
            scored = by_risk and scored_draw < spec.detection
            open_cases = sum(1 for a in range(t) if home.standing[a] in (SERVED, EARLY))
            referred = ("agency_referral" in spec.routes
                        and referral_draw < 1.0 - (1.0 - spec.agency_referral) ** open_cases)
            if crisis or scored or referred:
                found.append((not crisis, order_draw, home.index, tier, consent_draw))
        accepted = []
        for _, _, i, tier, consent_draw in sorted(found):
            if room[tier] <= 0:
                continue
            room[tier] -= 1
            home = self.homes[i]
            if consent_draw < spec.consent:
                home.plan_tier = tier
                accepted.append(home)
            else:
                home.declined_week = self.week
        return accepted

    def _assess(self, referrals) -> None:
        """Each agency screens out needs below the problem line, and assesses the rest
        unless it assessed them lately (children's social care makes a section 47 enquiry
        where the need reaches its line); then those at or above its threshold join its
        list and the others are offered early help (with those early help found itself,
        in household order)."""
        inbox, early = referrals
        services, line = self.params.services, self.params.needs.problem_line
        for a, homes in inbox.items():  # the key-worker team's first
            team = a == self.t
            agency = None if team else self.agency_list[a]
            cost = self.team.spec.assessment_cost if team else agency.spec.assessment_cost
            for home in homes:
                need = None if team else home.need_for(agency)
                if need is not None and need < line:
                    continue  # screened out: no further action (the team's flag is its screen)
                last = max(home.last_assessed) if self.switches.single_assessment else home.last_assessed[a]
                if self.week - last > services.assessment_valid_weeks:
                    self.ledger.book(a, "assessment", np.array([home.index]), cost)
                    if home.recent_assessments >= services.fatigue_from:
                        home.engagement *= 1.0 - services.assessment_fatigue
                    home.recent_assessments += 1.0
                    home.last_assessed[a] = self.week
                if team:
                    home.standing[a], home.waiting_since[a] = WAITING, self.week
                    continue
                protection = agency.spec.protection
                if protection is not None:  # a plan where the need reaches its line (a referral ends an old one)
                    home.plan_since = self.week if need >= protection.plan_line else NEVER
                    self.plans_started += home.plan_since == self.week
                if protection is not None and need >= protection.enquiry_line:  # a section 47 enquiry
                    self.ledger.book(a, "assessment", np.array([home.index]), protection.enquiry_cost)
                if need >= agency.threshold or (protection is not None and home.plan_since == self.week):
                    home.standing[a] = WAITING  # a plan always brings a case
                    home.waiting_since[a] = self.week
                else:
                    early[a].append(home)
            if not team:
                early[a].sort(key=lambda home: home.index)
        self._early = early

    def _allocate(self) -> None:
        """Key workers take families first (if the regime has them); then each agency
        offers its places, worst first (siloed) or first come, and early help."""
        if self.switches.key_workers:
            self._allocate_team()
        self._eligible_waiting = [0] * len(self.agency_list)
        for agency in self.agency_list:
            a = agency.index
            waiting = [h for h in self.homes if h.standing[a] == WAITING]
            review = self.params.services.list_review_weeks
            room = self._room(a, SERVED, agency.slots, agency, most=agency.most_cases)
            protects = agency.spec.protection is not None  # families on a child protection plan first
            for home in waiting if protects else ():
                if home.plan_since != NEVER and not self._plan_holds(home, agency):  # its conferences fall while it waits
                    if home.standing[self.t] == SERVED:  # the key worker's plan covers it now: it leaves the list
                        home.standing[a] = NONE
            waiting = [home for home in waiting if home.standing[a] == WAITING]
            if self.switches.queue_order == "severity":  # reviewed at the point of offer
                offered = sorted(waiting, key=lambda h: (not (protects and h.plan_since != NEVER), -h.need_for(agency)))[:room]
            else:
                offered = sorted(waiting, key=lambda h: (not (protects and h.plan_since != NEVER), h.waiting_since[a]))[:room]
            for home in waiting:
                waited = self.week - home.waiting_since[a]
                if ((waited > 0 and waited % review == 0) or home in offered) and home.need_for(agency) < agency.threshold \
                        and not (protects and home.plan_since != NEVER):  # only a review conference ends a plan
                    home.standing[a] = NONE
            for home in offered:
                if home.standing[a] == WAITING:
                    home.standing[a], home.weeks_open[a] = SERVED, 0
            self._eligible_waiting[a] = sum(1 for h in waiting if h.standing[a] == WAITING and h not in offered
                                            and (h.need_for(agency) >= agency.threshold
                                                 or (protects and h.plan_since != NEVER)))
            room = self._room(a, EARLY, agency.early_slots, agency)
            found = [home for home in self._early[a] if home.standing[self.t] != SERVED and home.standing[a] == NONE]
            for home in found[:room]:
                home.standing[a], home.weeks_open[a] = EARLY, 0

    def _allocate_team(self) -> None:
        """Waiting families whose risk has fallen far enough leave the team's list; each
        tier closes its lowest-risk plans above its places, then takes families from its
        list, first found first (crises first within a week, the rest at random) or
        highest risk first. A family taken on leaves every agency's books but children's
        social care's where it is on a child protection plan; that case folds into the key
        worker's plan once a review has ended the child protection plan."""
        t, team = self.t, self.team
        for home in self.homes:
            if home.standing[t] == SERVED and home.plan_since == NEVER:
                for agency in self.agency_list:
                    if agency.spec.protection is not None and home.standing[agency.index] == SERVED:
                        home.standing[agency.index] = NONE
        waiting = []
        for home in self.homes:
            if home.standing[t] == WAITING:
                if team.recovered(np.array([sum(home.severity)], np.float32), np.array([home.plan_tier]))[0]:
                    home.standing[t] = NONE
                else:
                    waiting.append(home)
        for tier, slots in enumerate(team.slots_by_tier):
            mine = [home for home in self.homes if home.standing[t] == SERVED and home.plan_tier == tier]
            for home in sorted(mine, key=lambda h: sum(h.severity))[:max(len(mine) - slots, 0)]:
                home.standing[t] = NONE
            room = int(slots) - min(len(mine), int(slots))
            queue = [home for home in waiting if home.plan_tier == tier]
            if room <= 0 or not queue:
                continue
            if self.switches.queue_order == "severity":
                queue.sort(key=lambda h: -sum(h.severity))
            else:
                draws = self.team_draws.random(len(queue))
                order = {home.index: (home.waiting_since[t], not home.crisis_now, draw) for home, draw in zip(queue, draws)}
                queue.sort(key=lambda h: order[h.index])
            for home in queue[:room]:
                for agency in self.agency_list:  # a child protection plan goes on beside the key worker's
                    protects = agency.spec.protection is not None
                    if protects and home.standing[agency.index] not in (WAITING, SERVED):
                        home.plan_since = NEVER
                    if not (protects and home.plan_since != NEVER):
                        home.standing[agency.index] = NONE
                home.standing[t], home.weeks_open[t] = SERVED, 0

    def _room(self, a: int, standing: int, slots: int, agency: Agency, most: int | None = None) -> int:
        """Close the least needy cases above `most` (default `slots`), never one a child
        protection plan holds open; the places free below `slots`."""
        open_cases = [h for h in self.homes if h.standing[a] == standing]
        excess = len(open_cases) - (slots if most is None else most)
        if excess > 0:
            on_plan = agency.spec.protection is not None and standing == SERVED
            closable = [h for h in open_cases if not (on_plan and h.plan_since != NEVER)]
            for home in sorted(closable, key=lambda h: h.need_for(agency))[:excess]:
                home.standing[a] = NONE
        return max(slots - sum(1 for h in open_cases if h.standing[a] == standing), 0)

    def _help(self) -> None:
        services, line = self.params.services, self.params.needs.problem_line
        late_cases = [sum(1 for home in self.homes if home.standing[a.index] == SERVED) for a in self.agency_list]
        for agency, cases in zip(self.agency_list, late_cases):  # staff are paid whether or not they have cases
            if not cases:
                self.ledger.book_overhead(agency.index, "intervention", agency.workforce.pay_per_week)
        if self.team.active:  # key workers are paid whatever their caseload: the time no family has
            plans = [home.plan_tier for home in self.homes if home.standing[self.t] == SERVED]
            used = sum(self.team.worker_week_per_family[tier] for tier in plans)
            self.ledger.book_overhead(self.t, "intervention", self.team.salary_per_week - used)
        for home in self.homes:
            for agency in self.agency_list:
                a, spec, workforce = agency.index, agency.spec, agency.workforce
                if home.standing[a] not in (SERVED, EARLY):
                    continue
                late = home.standing[a] == SERVED
                held = late and self._plan_holds(home, agency)
                time_share = workforce.time_share(late_cases[a]) if late else 1.0
                strength = (spec.effect * time_share if late else spec.prevention_effect) * home.engagement
                for d in agency.domains:
                    s = home.severity[d]
                    home.severity[d] = s - strength * (1.0 - services.lateness * s) * s
                cost = (workforce.pay_per_week / late_cases[a] + workforce.commissioned if late
                        else spec.prevention_week_cost)
                self.ledger.book(a, "intervention" if late else "prevention", np.array([home.index]), cost)
                home.weeks_open[a] += 1
                recovered = (max(home.severity[d] for d in agency.domains) < line
                             and home.weeks_open[a] >= spec.course_weeks)  # (once a planned course is done)
                dropped = self.decisions.random() < services.dropout * (1.0 - home.engagement)
                if (recovered or home.weeks_open[a] >= spec.max_weeks or dropped) and not held:
                    home.standing[a] = NONE
            if home.standing[self.t] == SERVED:
                self._key_work(home)
            home.engagement += services.engagement_recovery * (home.base_engagement - home.engagement)
            home.recent_assessments *= 1.0 - 1.0 / services.fatigue_memory_weeks

    def _plan_holds(self, home: ReferenceHousehold, agency: Agency) -> bool:
        """Whether a child protection plan holds this case open this week: the family is on
        one, at the agency that holds child protection, and no review conference this week
        ends it (a review, at its first date and then at each interval, ends a plan whose
        family's need is below the agency's standing threshold, not the rationed one, or
        below the plan line where managers set the threshold above it)."""
        protection = agency.spec.protection
        if protection is None or home.plan_since == NEVER:
            return False
        since = self.week - home.plan_since
        review = since >= protection.first_review_weeks and (
            since - protection.first_review_weeks) % protection.review_every_weeks == 0
        if review and home.need_for(agency) < min(agency.floor, protection.plan_line):
            home.plan_since = NEVER
            self.plans_ended += 1
            return False
        return True

    def _key_work(self, home: ReferenceHousehold) -> None:
        """A week of a key worker's whole-family plan: every need falls, by the plan's
        effect at its tier's dose and in that domain; paid from the pool; the plan ends on
        recovery, at its longest or when the family drops out; the worker's trust raises
        the family's engagement."""
        services, t, tier = self.params.services, self.t, home.plan_tier
        strength = self.plan_effect[tier] * home.engagement
        for d in range(D):
            s = home.severity[d]
            home.severity[d] = s - strength * self.plan_domain_effect[d] * (1.0 - services.lateness * s) * s
        self.ledger.book(t, "intervention", np.array([home.index]), self.plan_cost[tier])
        home.weeks_open[t] += 1
        recovered = max(home.severity) < self.params.needs.problem_line
        dropped = self.decisions.random() < services.dropout * (1.0 - home.engagement)
        if recovered or home.weeks_open[t] >= self.team.spec.plan_weeks or dropped:
            home.standing[t] = NONE
        home.engagement += self.team.spec.trust_gain * (1.0 - home.engagement)

    def _crises(self) -> list[int]:
        counts = [0] * len(self.crisis_kinds)
        self.hits = [set() for _ in self.crisis_kinds]
        for home in self.homes:
            home.crisis_domains, home.crisis_now = set(), False
        for k, kind in enumerate(self.crisis_kinds):
            for home in self.homes:
                need = home.severity[kind.column]
                if need <= 0 or self.chances.random() >= kind.rate * need ** kind.steepness:
                    continue
                counts[k] += 1
                self.hits[k].add(home)
                home.severity[kind.column] = min(need, kind.after)
                for column, amount in kind.knock_on:
                    bump = amount * home.may_have[column]
                    home.severity[column] = min(1.0, home.severity[column] + bump)
                home.crises += 1
                home.crisis_now = True
                home.crisis_domains.add(kind.column)
                for payer, cost in kind.bills:
                    self.ledger.book(payer, "crisis", np.array([home.index]), cost)
        return counts

    def _stocks(self) -> None:
        """People leave a placement, some coming home; this week's crises send others in;
        every week inside is billed."""
        for s, kind in enumerate(self.stock_kinds):
            for home in self.homes:
                for _ in range(home.in_stock[s]):
                    if self.chances.random() < kind.leave_chance:
                        home.in_stock[s] -= 1
                        back = self.chances.random() < kind.returns
                        if kind.who == "child":
                            home.children += back
                            home.child_comes_out(s, back, self.chances)
                        elif kind.who == "adult":
                            home.adults += back
            for home in set().union(*(self.hits[k] for k in kind.entered_by)):
                if self.chances.random() >= kind.share:
                    continue
                if kind.who == "child" and home.children > 0:
                    home.children -= 1
                    home.child_goes_in(s, self.chances)
                elif kind.who == "adult" and home.adults > 0:
                    home.adults -= 1
                elif kind.who != "household" or home.in_stock[s]:
                    continue
                home.in_stock[s] += 1
            for home in self.homes:
                if home.in_stock[s]:
                    self.ledger.book(kind.payer, "crisis", np.array([home.index]), home.in_stock[s] * kind.week_cost)

    def _settle_stocks(self) -> None:
        """Everyone in a placement comes home, then each household's number inside is drawn
        as a Poisson count of its weekly chance of going in times the mean weeks inside."""
        for s, kind in enumerate(self.stock_kinds):
            for home in self.homes:
                if kind.who == "child":
                    home.children += home.in_stock[s]
                    home.child_in = [AT_HOME if where == s else where for where in home.child_in]
                elif kind.who == "adult":
                    home.adults += home.in_stock[s]
                entering = sum(self.crisis_kinds[k].rate * home.severity[self.crisis_kinds[k].column]
                               ** self.crisis_kinds[k].steepness for k in kind.entered_by
                               if home.severity[self.crisis_kinds[k].column] > 0) * kind.share
                expected = entering / kind.leave_chance
                if kind.who == "household":
                    home.in_stock[s] = int(self.chances.random() < min(expected, 1.0))
                    continue
                at_home = home.children if kind.who == "child" else home.adults
                home.in_stock[s] = min(int(self.chances.poisson(expected)), at_home)
                if kind.who == "child":
                    home.children -= home.in_stock[s]
                    for _ in range(home.in_stock[s]):
                        home.child_goes_in(s, self.chances)
                else:
                    home.adults -= home.in_stock[s]

    def _universal(self) -> None:
        for kind in self.universal:
            for home in self.homes:
                cost = kind.year_cost / WEEKS_PER_YEAR * self._users(home, kind.per)
                self.ledger.book(kind.payer, "universal", np.array([home.index]), cost)

    def _settle(self) -> None:
        services = self.params.services
        for agency in self.agency_list:
            agency.note_spend(self.ledger.week[agency.index, CATEGORY["crisis"]],
                              self.ledger.week[agency.index, CATEGORY["assessment"]])
            if self.switches.rationing == "threshold":  # else the waiting list grows instead
                agency.ration(self._eligible_waiting[agency.index], services.threshold_step,
                              services.target_wait_weeks, services.relax_share)
        next_week = self.week + 1
        if next_week % WEEKS_PER_YEAR == 0:
            next_year = next_week // WEEKS_PER_YEAR + 1 if next_week > 0 else 0
            for agency in self.agency_list:  # the year's outturn: reserves, then a deficit for next year
                agency.close_year(self.ledger.rationed_spend(agency.index))
            if next_year > self.params.run.years:
                return  # the run is over
            self._open_year(next_year)
        self._plan(next_week % WEEKS_PER_YEAR)

    def _record(self, crises: list[int], referrals: int) -> None:
        needs = self.params.needs
        tiers = [0] * len(TIERS)
        for home in self.homes:
            problems = sum(1 for s in home.severity if s >= needs.problem_line)
            tier = CRISIS if (max(home.severity) >= needs.acute_line or home.crisis_now) else (
                COMPLEX if problems >= needs.complex_count else VULNERABLE if problems >= 1 else UNIVERSAL)
            tiers[tier] += 1
        week_spend = self.ledger.week.sum(axis=0)
        year = self.week // WEEKS_PER_YEAR + 1
        scale = self.params.demography.place_scale(year)  # the place's homes each simulated home stands for
        w = (lambda figure: figure) if scale == 1.0 else (lambda figure: scale * figure)
        self.rows.append({
            "year": year,
            "crises": w(sum(crises)),
            "referrals": w(referrals),
            **{f"tier_{t}": w(n) for t, n in zip(("universal", "vulnerable", "complex", "crisis"), tiers)},
            **{f"spend_{c}": w(float(week_spend[i])) for i, c in enumerate(CATEGORIES)},
            "spend": w(float(week_spend.sum())),
            "keyworker_families": w(sum(1 for home in self.homes if home.standing[self.t] == SERVED)),
            "keyworker_waiting": w(sum(1 for home in self.homes if home.standing[self.t] == WAITING)),
            "plans_started": w(self.plans_started),
            "plans_ended": w(self.plans_ended),
        })

    def run(self) -> None:
        while self.running:
            self.step()
