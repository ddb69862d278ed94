"""Stage 2, needs are noticed, as pluggable strategies: each agency above its own
threshold (siloed and integrated alike), and the routes by which families reach the
key-worker team (integrated). Each hands on `week.referrals` (by service) and `week.early_finds`."""

from __future__ import annotations

import numpy as np

from locality.agents.keyworkers import NO_TIER

from . import kernels
from .engine import rule
from .services import Casework
from .state import NONE, SERVED, WAITING
from .week import Week


# numerical: gaps drawn per batch beyond those expected, so a second batch is seldom needed
SPARE_SIGMAS, SPARE_DRAWS = 5.0, 16
DRAWS_PER_FAMILY = ("risk score", "agency referral", "consent", "order")  # engine: a key-worker candidate's chance draws
NIL_CHANCE = 1e-300  # a numerical guard: a chance below it keeps nothing (its geometric gaps would overflow)


# --- the rules ----------------------------------------------------------------------------
def _used_rows(arguments: dict, _result) -> dict:
    """What `notice_candidates` means: each agency's first `n_above` households."""
    k = arguments["n_above"]
    return {name: [row[:n] for row, n in zip(arguments[name], k)]
            for name in ("above", "in_crisis", "eligible", "referral_chance")}


@rule(kernels.notice_candidates, over="noticing", used=_used_rows)
def notice_candidates(*, listed, severity, status, clients, team, domain_lists, thresholds, crisis_domains,
                      crisis_referred, referral_odds, free_status, served, above, in_crisis, eligible, referral_chance,
                      n_above):
    """Who each agency could notice: among the `listed` households (in index order), those
    free of the agency (standing `free_status` with it, no key worker's plan, and the
    agency serves them) whose need in its domains (the worst of them) reaches its
    threshold or, where crises are referred to the agency whatever the need
    (`crisis_referred[a]`), who had a crisis in those domains; for each, whether it had
    such a crisis, whether its need reaches the threshold, and the chance that an agency
    now serving it refers it: one minus the product, over serving agencies b in order, of
    one minus `referral_odds[b, a]`. Into row a of `above`, `in_crisis`, `eligible` and
    `referral_chance`, and the count into `n_above[a]`. In float32."""
    one = np.float32(1.0)
    for a in range(thresholds.size):
        domains = domain_lists[a][domain_lists[a] >= 0]
        need = severity[domains][:, listed].max(axis=0, initial=np.float32(0.0))
        crisis = crisis_domains[domains][:, listed].any(axis=0)
        over = need >= thresholds[a]
        free = (status[a, listed] == free_status) & clients[a, listed] & (status[team, listed] != served)
        kept = (over | (crisis & crisis_referred[a])) & free
        households = listed[kept]
        missed = np.ones(households.size, np.float32)
        for b in range(referral_odds.shape[0]):
            missed = np.where(status[b, households] == served, missed * (one - referral_odds[b, a]), missed)
        k = n_above[a] = households.size
        above[a, :k] = households
        in_crisis[a, :k] = crisis[kept]
        eligible[a, :k] = over[kept]
        referral_chance[a, :k] = one - missed


@rule(kernels.in_early_band, over="each:household")
def in_early_band(*, agency, household, severity, status, clients, team, domain_lists, thresholds, problem_line,
                  free_status, served, keep):
    """For (agency, household) pairs: is the household free of the agency (as in
    `notice_candidates`) with a need in the agency's domains at or above the problem line
    but below its threshold, where early help may find it? Into `keep`."""
    padded = domain_lists[agency]  # (pairs, D), -1 where the agency watches no more domains
    need = np.where(padded >= 0, severity[np.maximum(padded, 0), household[:, None]], np.float32(0.0)).max(
        axis=1, initial=np.float32(0.0))
    keep[:] = ((problem_line <= need) & (need < thresholds[agency]) & (status[agency, household] == free_status)
               & clients[agency, household] & (status[team, household] != served))


@rule(kernels.at_least, used=lambda arguments, k: {"out": arguments["out"][:k], "k": k})
def at_least(*, values, line, out):
    """The positions where `values` is at or above `line`, in order, into `out`; how many."""
    found = np.flatnonzero(values >= line)
    out[:found.size] = found
    return found.size


@rule(kernels.at_least_or_flagged, used=lambda arguments, k: {"out": arguments["out"][:k], "k": k})
def at_least_or_flagged(*, values, line, flagged, out):
    """The positions where `values` is at or above `line` or `flagged` is set, in order,
    into `out`; how many."""
    found = np.flatnonzero((values >= line) | flagged)
    out[:found.size] = found
    return found.size


# --- the strategies -----------------------------------------------------------------------
class AgencyThresholds:
    """Each agency sees a household when the agency's own domains are above its
    eligibility threshold, by its own detection, a crisis, or a referral from another
    agency that is serving the household (referrals may get lost). An agency to which
    crises are referred whatever the need (`services.crisis_referred_to`: police
    notifications to children's social care, homelessness applications) hears of every
    crisis in its domains; its assessment then finds some below the threshold.
    Problems below the threshold may be noticed for early help.

    With shared records (integrated), referrals between agencies are not lost."""

    def __init__(self, work: Casework, referral_loss: float):
        self.work, self.referral_loss = work, referral_loss

    def notice(self, week: Week) -> None:
        """All agencies at once, over (agency, household) pairs."""
        work = self.work
        rng, n_agencies = work.decisions, work.services.n_agencies
        agency, household, by_crisis, eligible, chance_referred = self._above(week)  # grouped by agency
        if household.size:
            referred = eligible & (rng.random(household.size) < chance_referred)
            lost = referred & (rng.random(household.size) < self.referral_loss)
            seen = eligible & (rng.random(household.size) < work.services.detection[agency])
            noticed = by_crisis | seen | (referred & ~lost)
            week.counts.referrals[:n_agencies] += np.bincount(agency[noticed], minlength=n_agencies)
            week.counts.referrals_lost[:n_agencies] += np.bincount(agency[lost], minlength=n_agencies)
            noticed_by = by_agency(agency[noticed], household[noticed], n_agencies)
            week.referrals.update(noticed_by)
            if week.events:
                for a, found in noticed_by.items():
                    week.events.emit("referred", a, found)
        agency, household = self._sample_below(week, work.rules.early_detection)
        week.early_finds.update(by_agency(agency, household, n_agencies))
        if week.events:
            for a, found in week.early_finds.items():
                week.events.emit("found_early", a, found)

    def _listed(self, week: Week, line: float, with_crises: bool = False) -> np.ndarray:
        """The households whose worst need this week is at or above `line` (and, `with_crises`
        where crises are referred to some agency whatever the need, those in a crisis at
        the last crises stage), in index order (a view of a buffer reused at the next call)."""
        work = self.work
        listed = work.engine.scratch("noticing.listed", (work.households.n,), np.int32)
        if with_crises and work.services.crisis_referred.any():
            k = work.engine.run(at_least_or_flagged, values=week.needs.worst, line=np.float32(line),
                                flagged=work.households.crisis_now, out=listed)
        else:
            k = work.engine.run(at_least, values=week.needs.worst, line=np.float32(line), out=listed)
        return listed[:k]

    def _above(self, week: Week) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All (agency, household) pairs at or above the agency's threshold, or in a
        crisis the agency hears of whatever the need, grouped by agency, with whether each
        had a crisis in the agency's domains, whether its need reaches the threshold and
        its chance of being referred. Looked for only among the households whose worst
        need reaches the lowest threshold of any agency, and those in a crisis."""
        work = self.work
        h, services, engine = work.households, work.services, work.engine
        shape = (services.n_agencies, h.n)
        above = engine.scratch("noticing.above", shape, np.int32)
        in_crisis = engine.scratch("noticing.in_crisis", shape, np.bool_)
        eligible = engine.scratch("noticing.eligible", shape, np.bool_)
        chance = engine.scratch("noticing.referral_chance", shape, np.float32)
        n_above = engine.scratch("noticing.n_above", (services.n_agencies,), np.int64)
        thresholds = services.thresholds()
        engine.run(notice_candidates, listed=self._listed(week, thresholds.min(), with_crises=True),
                   severity=h.severity, status=h.status, clients=services.clients, team=services.team_index,
                   domain_lists=services.domain_lists, thresholds=thresholds, crisis_domains=h.crisis_domains,
                   crisis_referred=services.crisis_referred, referral_odds=services.referral_odds,
                   free_status=NONE, served=SERVED, above=above, in_crisis=in_crisis, eligible=eligible,
                   referral_chance=chance, n_above=n_above)

        def flat(rows):
            return np.concatenate([row[:k] for row, k in zip(rows, n_above)])
        agency = np.repeat(np.arange(n_above.size), n_above)
        return agency, flat(above).astype(np.intp), flat(in_crisis), flat(eligible), flat(chance)

    def _sample_below(self, week: Week, chance: float) -> tuple[np.ndarray, np.ndarray]:
        """(agency, household) pairs free of the agency with a problem below its
        threshold, each kept with `chance`, grouped by agency and in index order. The
        few kept are drawn directly from all (agency, household-with-a-problem) pairs
        and then checked, rather than listing the many pairs in the band first: each
        pair in the band is still kept independently with `chance`."""
        work = self.work
        h, services = work.households, work.services
        thresholds = services.thresholds()
        problem_line = np.float32(work.needs.problem_line)
        troubled = self._listed(week, problem_line)
        position = bernoulli_positions(work.decisions, troubled.size * thresholds.size, chance)
        agency, household = np.divmod(position, max(troubled.size, 1))
        household = troubled[household].astype(np.intp)
        keep = np.empty(household.size, bool)
        work.engine.run(in_early_band, agency=agency, household=household, severity=h.severity, status=h.status,
                        clients=services.clients, team=services.team_index, domain_lists=services.domain_lists,
                        thresholds=thresholds, problem_line=problem_line, free_status=NONE, served=SERVED, keep=keep)
        return agency[keep], household[keep]


class KeyWorkerReferrals:
    """Families reach the key-worker team by the routes the scenario sets
    (`keyworkers.routes`): the shared whole-family risk score, which finds a family the
    team would take with a weekly chance (`detection`; only with shared data), a referral
    from an agency that has the family as an open case (`agency_referral` a week for each
    such agency), and a crisis. A family found is asked: `consent` of them agree, and one
    who declines is not asked again for `asked_again_weeks`. Like a referral panel, the
    team asks no more than it can take on soon: each tier's waiting list is kept to that
    tier's places, families in crisis first, the rest in a random order (not the
    households' order, which is their neighbourhoods'). Which tier takes a
    family is decided now, by its problems and risk score (`KeyWorkerTeam.tier_of`)."""

    def __init__(self, work: Casework, shared_data: bool):
        self.work = work
        routes = work.services.team.spec.routes
        self.by_risk_score = "risk_score" in routes and shared_data
        self.by_agency = "agency_referral" in routes
        self.by_crisis = "crisis" in routes

    def notice(self, week: Week) -> None:
        work = self.work
        h, team, t = work.households, work.services.team, work.services.team_index
        spec = team.spec
        room = team.slots_by_tier - np.bincount(h.plan_tier[h.status[t] == WAITING], minlength=len(team.tiers))
        if not (room > 0).any():
            return
        needs = week.needs
        free = np.flatnonzero((h.status[t] == NONE) & (week.number - h.declined_week >= spec.asked_again_weeks))
        tier = team.tier_of(needs.n_problems[free], needs.risk[free])
        candidates, tier = free[tier != NO_TIER], tier[tier != NO_TIER]
        if not candidates.size:
            return
        scored_draw, referral_draw, consent_draw, order_draw = work.team_stream.random((len(DRAWS_PER_FAMILY),
                                                                                         candidates.size))
        in_crisis = h.crisis_now[candidates] & self.by_crisis
        scored = (scored_draw < spec.detection) & self.by_risk_score
        open_cases = np.count_nonzero(h.status[:t, candidates] >= SERVED, axis=0)  # late help or early help
        referred = (referral_draw < 1.0 - (1.0 - spec.agency_referral) ** open_cases) & self.by_agency
        found = np.flatnonzero(in_crisis | scored | referred)
        found = found[np.lexsort((order_draw[found], ~in_crisis[found]))]  # crises first, the rest in a random order
        asked = found[_first_of_each(tier[found], room)]
        agrees = consent_draw[asked] < spec.consent
        declined = candidates[asked[~agrees]]
        h.declined_week[declined] = week.number
        accepted = candidates[asked[agrees]]
        h.plan_tier[accepted] = tier[asked[agrees]]
        week.referrals[t] = accepted
        week.counts.referrals[t] += accepted.size
        if week.events:
            week.events.emit("declined_key_worker", t, declined)
            week.events.emit("referred", t, accepted)


def _first_of_each(kind: np.ndarray, room: np.ndarray) -> np.ndarray:
    """Positions of the first `room[k]` items of each kind k, in their order."""
    rank = np.zeros(kind.size, np.int64)
    for k in range(room.size):
        mine = np.flatnonzero(kind == k)
        rank[mine] = np.arange(mine.size)
    return np.flatnonzero(rank < room[kind])


def bernoulli_positions(rng: np.random.Generator, k: int, chance: float) -> np.ndarray:
    """The positions in range(k) kept when each is kept independently with `chance`, in
    order. Drawn as geometric gaps between kept positions, so the cost is in proportion
    to the positions kept, not to k."""
    if k == 0 or chance <= NIL_CHANCE:
        return np.zeros(0, np.intp)
    if chance >= 1.0:
        return np.arange(k)
    expected = k * chance
    batch = int(expected + SPARE_SIGMAS * np.sqrt(expected) + SPARE_DRAWS)
    rate = -np.log1p(-chance)

    def gaps() -> np.ndarray:  # geometric on 1, 2, ...: the floor of an exponential, plus one
        return np.minimum(np.floor(rng.exponential(1.0 / rate, batch)), k).astype(np.int64) + 1  # (a gap past k ends it)

    position = np.cumsum(gaps()) - 1
    while position[-1] < k:  # rare: more gaps than expected were needed
        position = np.concatenate([position, position[-1] + np.cumsum(gaps())])
    return position[position < k]


def by_agency(agency: np.ndarray, household: np.ndarray, n_agencies: int) -> dict[int, np.ndarray]:
    """Split (agency, household) pairs, sorted by agency, into each agency's households."""
    bounds = np.searchsorted(agency, np.arange(n_agencies + 1))
    return {a: household[bounds[a]:bounds[a + 1]] for a in range(n_agencies) if bounds[a + 1] > bounds[a]}
