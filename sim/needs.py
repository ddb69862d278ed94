"""Stage 1, needs evolve: problems pull on each other, spread along social ties, fade
with the household's resilience, and new ones arrive as shocks. The stage hands on the
whole-family measures the later stages read (`week.needs`)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from locality.parameters.schema import OLDEST_AGE, YOUNGEST_AGE, Scenario, age_band
from locality.parameters.vocabulary import DOMAIN_INDEX, DOMAINS, WEEKS_PER_YEAR, WHO_CAN_HAVE

from . import kernels
from .engine import Engine, rule
from .state import Households
from .week import NeedsSummary, Week


# --- the rules ----------------------------------------------------------------------------
@rule(kernels.needs_interact, over="households")
def needs_interact(*, severity, out, pull_matrix, recovery, resilience):
    """The household's own dynamics: each need fades by its domain's recovery rate times
    the household's resilience, and is pulled up by the household's other needs
    (`pull_matrix[target, source]`, summed over sources in order), damped as it nears 1.
    Reads `severity` (domains, N), writes `out`. All in float32."""
    one = np.float32(1.0)
    for target in range(severity.shape[0]):
        pull = np.zeros(severity.shape[1], np.float32)
        for source in range(severity.shape[0]):
            if pull_matrix[target, source] != 0.0:
                pull += pull_matrix[target, source] * severity[source]
        keep = one - recovery[target] * resilience
        out[target] = severity[target] * keep + pull * (one - severity[target])


@rule(kernels.drift_towards, over="households")
def drift_towards(*, out, severity, indptr, indices, weights, rate):
    """The social drift: each need moves towards the mean of the household's ties (row i
    of the row-normalised network, CSR: `indptr`, `indices`, `weights`) at `rate`:
    `out += rate x (neighbours' mean - own)`."""
    n = severity.shape[1]
    network = sp.csr_matrix((weights, indices, indptr), shape=(n, n))
    out += rate * ((network @ severity.T).T - severity)


@rule(kernels.shock_households)
def shock_households(*, uniform, accept, alias_ids, ids):
    """Where new problems land (Walker's alias method): a uniform scaled to the table's
    length picks a slot by its whole part; the shock lands on the slot's household if
    the fraction is below the slot's acceptance, else on its alias."""
    x = uniform * accept.size
    slot = np.minimum(x.astype(np.int64), accept.size - 1)
    return np.where(x - slot < accept[slot], ids[slot], alias_ids[slot]).astype(np.int32)


@rule(kernels.place_shocks, over="each:columns")
def place_shocks(*, severity, columns, bounds, households, sizes):
    """New problems added: domain `columns[k]` gets shocks `bounds[k]` to `bounds[k + 1]`,
    each adding its size to its household's need, in order."""
    for k, column in enumerate(columns):
        np.add.at(severity[column], households[bounds[k]:bounds[k + 1]], sizes[bounds[k]:bounds[k + 1]])


@rule(kernels.needs_settle, over="households")
def needs_settle(*, raw, severity, may_have, problem_line, risk, n_problems, worst):
    """The week's needs settle: `raw` clipped into [0, 1], and zero where the household
    cannot have the need (`may_have`: a child's needs without children, school absence
    without a child of school age, worklessness past working age), into `severity`; then
    the risk score (sum of needs, in domain order), the number of needs at or above the
    problem line, and the worst need."""
    risk[:] = 0.0
    n_problems[:] = 0
    worst[:] = 0.0
    for d in range(raw.shape[0]):
        value = np.clip(raw[d], np.float32(0.0), np.float32(1.0))
        value[~may_have[d]] = 0.0
        severity[d] = value
        risk += value
        n_problems += value >= problem_line
        np.maximum(worst, value, out=worst)


# --- who new problems find: frailty, and for some needs age ------------------------------------
def age_risks(age_risk: dict[str, dict[str, float]], head_age: np.ndarray) -> np.ndarray:
    """Each household's relative chance of new problems in each domain by its reference
    person's age (`needs.age_risk`; 1 in a domain without a table), domains x households.
    A reference person kept past the oldest age by a placement counts as the oldest."""
    risk = np.ones((len(DOMAINS), head_age.size))
    age = np.clip(head_age, YOUNGEST_AGE, OLDEST_AGE)
    for domain, bands in age_risk.items():
        for band, value in bands.items():
            low, high = age_band(band)
            risk[DOMAIN_INDEX[domain], (age >= low) & (age <= high)] = value
    return risk


def age_scale(age_risk: dict[str, dict[str, float]], head_age: np.ndarray, frailty: np.ndarray,
              may_have: np.ndarray) -> np.ndarray:
    """Per domain, what scales the relative risks of `age_risks` so that the households
    given (the place as the run starts) meet the fitted shock rate on average, weighted
    by frailty among those who can have the need: the fitted rates stay the place's, and
    as the mix of ages moves, so do new problems (demand from people)."""
    risk = age_risks(age_risk, head_age)
    weights = np.where(may_have, frailty.astype(np.float64), 0.0)
    at_risk = (weights * risk).sum(axis=1)
    return np.where(at_risk > 0, weights.sum(axis=1) / np.where(at_risk > 0, at_risk, 1.0), 1.0)


# --- the stage ------------------------------------------------------------------------------
WEEK_KEYS = 2**16  # engine: a week's number (from -520 in the longest warm-up) shifted to a non-negative key of its shock stream


class NeedsEvolve:
    """Stage 1. The fixed parts of the weekly update are prepared once: the coupling
    matrix, recovery rates, the spread's rate and rhythm, and where shocks may land."""

    def __init__(self, spec: Scenario, households: Households, network: sp.csr_matrix, seeds: np.random.SeedSequence,
                 engine: Engine):
        needs = spec.needs
        d = len(DOMAINS)
        self.households, self.engine, self.seeds = households, engine, seeds
        self.coupling = np.zeros((d, d), np.float32)
        for source, targets in needs.coupling.items():
            for target, strength in targets.items():
                self.coupling[DOMAIN_INDEX[source], DOMAIN_INDEX[target]] = strength
        self.recovery = np.array([needs.recovery[x] for x in DOMAINS], np.float32)
        self.pull_matrix = np.ascontiguousarray(self.coupling.T)  # pull[target] = sum over sources
        # The spread is applied every `spread_every` weeks at the rate compounded over them.
        self.spread_every = needs.spread_every
        self.spread = np.float32(1.0 - (1.0 - needs.spread) ** needs.spread_every)
        self.network = network  # row-normalised CSR: neighbours' mean is network @ severity
        self.problem_line = np.float32(needs.problem_line)
        self.rates = np.array([needs.shock_rate[x] for x in DOMAINS]) * needs.shock_scale
        self.sizes = np.array([needs.shock_size[x] for x in DOMAINS])
        self.trends = np.array(list(spec.demand.trends().values()))  # yearly growth of each domain's new problems
        self.who = [WHO_CAN_HAVE.get(x) for x in DOMAINS]  # the field that says who may have each need (None: anyone)
        self.age_risk = needs.age_risk
        self.aged = {DOMAIN_INDEX[domain] for domain in needs.age_risk}  # domains whose new problems depend on age
        self.age_scale = age_scale(needs.age_risk, households.head_age, households.frailty, households.may_have)
        self.people_changed()

    def people_changed(self) -> None:
        """Shocks land on households in proportion to frailty (times the relative risk at
        the reference person's age, for the needs `needs.age_risk` names), among those who
        can have the need (`vocabulary.WHO_CAN_HAVE`: families for a child's neglect, a
        child of school age for school absence, working age for worklessness): the
        samplers are built again whenever the households' frailty or ages change (once a
        year, as people change)."""
        h = self.households
        frailty = h.frailty.astype(np.float64)
        risk = age_risks(self.age_risk, h.head_age) * self.age_scale[:, None] if self.aged else None
        built: dict[tuple, FrailtySampler] = {}
        self.targets = []
        for column, field in enumerate(self.who):
            key = (field, column if column in self.aged else None)
            if key not in built:
                who = np.arange(frailty.size) if field is None else np.flatnonzero(getattr(h, field))
                weights = frailty[who] if key[1] is None else frailty[who] * risk[column, who]
                built[key] = FrailtySampler(weights, who)
            self.targets.append(built[key])

    def __call__(self, week: Week) -> None:
        """One week of needs, in place, then the measures the later stages read; next
        week's shocks are drawn ahead where there is a thread to spare."""
        h, engine, n = self.households, self.engine, self.households.n
        raw = engine.scratch("needs.raw", h.severity.shape, np.float32)  # this week's needs before clipping
        engine.run(needs_interact, severity=h.severity, out=raw, pull_matrix=self.pull_matrix, recovery=self.recovery,
                   resilience=h.resilience)
        if week.number % self.spread_every == 0:
            engine.run(drift_towards, out=raw, severity=h.severity, indptr=self.network.indptr,
                       indices=self.network.indices, weights=self.network.data, rate=self.spread)
        columns, bounds, households, sizes = engine.take("shocks", week.number, self.draw_shocks, week.number)
        engine.run(place_shocks, severity=raw, columns=columns, bounds=bounds, households=households, sizes=sizes)
        summary = NeedsSummary(risk=engine.scratch("needs.risk", (n,), np.float32),
                               n_problems=engine.scratch("needs.n_problems", (n,), np.int64),
                               worst=engine.scratch("needs.worst", (n,), np.float32))
        engine.run(needs_settle, raw=raw, severity=h.severity, may_have=h.may_have, problem_line=self.problem_line,
                   risk=summary.risk, n_problems=summary.n_problems, worst=summary.worst)
        week.needs = summary

    def draw_ahead(self, week: Week) -> None:
        """Start drawing next week's shocks in the background (where the engine has a
        thread to spare): they depend only on the week and on whom shocks may land, which
        changes only as a year begins; so a year's first week is drawn in its own week,
        after people have changed, never ahead."""
        if (week.number + 1) % WEEKS_PER_YEAR:
            self.engine.ahead("shocks", week.number + 1, self.draw_shocks, week.number + 1)

    def draw_shocks(self, week: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """A week's new problems: a Poisson count per domain, placed by frailty, as the
        domains hit, where each one's shocks start and end (`bounds`), and every shock's
        household and size. Each week and domain draws from a stream of its own, spawned
        from the run's shock seed, so the draws depend only on the week and on whom
        shocks may land (which people changing may alter once a year): two regimes meet
        the same shocks, and a difference in one week (a newcomer's frailty) never shifts
        the numbers of the weeks after it. They may be drawn a week ahead."""
        growth = (1.0 + self.trends) ** (week / WEEKS_PER_YEAR)
        columns, households, sizes = [], [], []
        for column, (rate, size) in enumerate(zip(self.rates, self.sizes)):
            rng = np.random.default_rng(np.random.SeedSequence(
                self.seeds.entropy, spawn_key=(*self.seeds.spawn_key, week + WEEK_KEYS, column)))
            target = self.targets[column]
            count = rng.poisson(rate * growth[column] * target.total)
            if count:
                columns.append(column)
                households.append(self.engine.run(shock_households, uniform=rng.random(count),
                                                  accept=target.accept, alias_ids=target.alias_ids, ids=target.ids))
                sizes.append(rng.exponential(size, count).astype(np.float32))
        bounds = np.cumsum([0, *(len(x) for x in households)])
        return (np.array(columns, np.int64), bounds,
                np.concatenate(households) if households else np.zeros(0, np.int32),
                np.concatenate(sizes) if sizes else np.zeros(0, np.float32))


class FrailtySampler:
    """Draw households with probability in proportion to their weight, in constant time per
    draw (Walker's alias method)."""

    def __init__(self, weights: np.ndarray, ids: np.ndarray):
        self.total = float(weights.sum())
        accept, alias = _alias_table(weights, self.total)
        # Compact, with the alias resolved to its household, so a draw touches little memory.
        self.accept = accept.astype(np.float32)
        self.ids = ids.astype(np.int32)
        self.alias_ids = self.ids[alias]


def _alias_table(weights: np.ndarray, total: float) -> tuple[np.ndarray, np.ndarray]:
    """Walker's table: slot i keeps itself with chance `accept[i]`, else gives `alias[i]`.
    Built by pairing all under-full slots with over-full ones at once, a pass at a time,
    rather than one pair at a time."""
    n = weights.size
    accept, alias = np.ones(n), np.arange(n)
    if n == 0 or total <= 0:
        return accept, alias
    scaled = weights * n / total
    small, large = np.flatnonzero(scaled < 1.0), np.flatnonzero(scaled >= 1.0)
    while small.size and large.size:
        k = min(small.size, large.size)
        s, big = small[:k], large[:k]
        accept[s] = scaled[s]
        alias[s] = big
        scaled[big] -= 1.0 - scaled[s]
        became_small = scaled[big] < 1.0
        small = np.concatenate([small[k:], big[became_small]])
        large = np.concatenate([big[~became_small], large[k:]])
    return accept, alias  # whatever is left is full up to rounding: it keeps itself
