"""People change, once a year (the stage "people change", in a year's first week): every
reference person and child ages a year; children come of age at the leaving age, and
some stay on as adults while the rest leave; households whose reference person is of an
age to have children may have one; and households leave the place (moving away, or
ending in old age), each home taken at once by a newcomer household with needs and
traits of its own and no history with services.

Children have ages, so a child's needs (neglect, school absence) belong to a household
with children, and stop when the last child comes of age. The households' composition
first lives `demography.settle_years` of this before the run (see `settle`), so the mix
of ages starts where the rates hold it and the status quo does not drift as it settles.

A household with anyone in a statutory placement does not move (an assumption: the
placement ties it to the place); the number of simulated homes is fixed (homes are never
empty: a household that leaves is replaced the same year), and a growing place
(`demography.household_growth`) grows by weight, each home standing for more of it
(`Demography.place_scale`: money and the record read it, not this stage). A child in a placement who
comes of age leaves it, and is counted among those who left it that week."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import poisson

from locality.parameters.schema import OLDEST_AGE, Demography, Population, age_band
from locality.parameters.vocabulary import DOMAIN_INDEX, DOMAINS, WEEKS_PER_YEAR, WHO_CAN_HAVE

from .state import AT_HOME, NO_CHILD
from .week import Week

OLDEST = OLDEST_AGE + 1  # a reference person's age at which the household ends whatever the rates (ages are int8)
FIXED_VARIATES = 5  # layout: a composition's uniform draws besides one per child (see composition_variates)


@dataclass(frozen=True)
class YearOfPeople:
    """What a year of people changing did: the homes newcomers took (their needs and
    traits to be drawn), and counts of births, children coming of age and households
    that left."""

    newcomers: np.ndarray  # household indices whose home a newcomer took
    births: int
    came_of_age: int
    stayed_on: int
    left_placements: np.ndarray  # per child stock: children who left it on coming of age


def ages_from(bands: dict[str, float], band_draw: np.ndarray, age_draw: np.ndarray) -> np.ndarray:
    """Ages from a table of age bands and shares, uniform within a band, by inverse
    transform of two uniform draws per age (one picks the band, one the age in it)."""
    spans = [age_band(band) for band in bands]
    shares = np.cumsum(np.array(list(bands.values()), np.float64))
    which = np.minimum(np.searchsorted(shares / shares[-1], band_draw, side="right"), len(spans) - 1)
    low = np.array([a for a, _ in spans])[which]
    high = np.array([b for _, b in spans])[which]
    return (low + np.floor(age_draw * (high - low + 1))).astype(np.int8)


def poisson_from(mean: float, draw: np.ndarray, most: int) -> np.ndarray:
    """Poisson counts with this mean by inverse transform of uniform draws; counts above
    `most` come out as `most` + 1 (the callers cap them lower)."""
    if mean <= 0:
        return np.zeros(draw.size, np.int64)
    return np.searchsorted(poisson.cdf(np.arange(most + 1), mean), draw, side="right")


def composition_variates(pop: Population) -> int:
    """Uniform draws one household's composition takes: the reference person's age band
    and age in it, whether there are children, how many, each child's age, and adults."""
    return FIXED_VARIATES + pop.max_children


def composition_from(pop: Population, demo: Demography, draws: np.ndarray, *, newcomers: bool) -> dict[str, np.ndarray]:
    """Households' reference person's age, adults and children (with ages), one per
    column of `draws` (uniforms, `composition_variates` rows): as the place starts
    (`population.share_with_children`, `demography.head_ages`), or as newcomers arrive
    (`demography.newcomers_with_children`, `newcomer_head_ages`). A child is younger
    than the leaving age and was born while the reference person was of an age to have
    children (`demography.fertile_ages`). By inverse transform, so that a household's
    composition depends on its own column alone."""
    band, age, has, how_many, adults_draw = draws[:FIXED_VARIATES]
    child_draws = draws[FIXED_VARIATES:]
    k = draws.shape[1]
    head_age = ages_from(demo.newcomer_head_ages if newcomers else demo.head_ages, band, age)
    share = demo.newcomers_with_children if newcomers else pop.share_with_children
    fertile_from, fertile_to = age_band(demo.fertile_ages)
    oldest_child = np.minimum(demo.leaving_age - 1, head_age.astype(np.int64) - fertile_from)
    youngest_child = np.maximum(0, head_age.astype(np.int64) - fertile_to)  # born by the end of the fertile ages
    with_children = (has < share) & (oldest_child >= youngest_child)
    count = np.where(with_children, 1 + poisson_from(pop.children_mean - 1.0, how_many, pop.max_children), 0)
    count = count.clip(0, pop.max_children)
    child_age = np.full((pop.max_children, k), NO_CHILD, np.int8)
    span = np.maximum(oldest_child - youngest_child + 1, 1)
    ages = (youngest_child + np.floor(child_draws * span)).astype(np.int8)
    present = np.arange(pop.max_children)[:, None] < count
    child_age[present] = ages[present]
    adults = (1 + poisson_from(pop.adults_mean - 1.0, adults_draw, pop.max_adults)).clip(1, pop.max_adults)
    return {"head_age": head_age, "adults": adults.astype(np.int8), "children": count.astype(np.int8),
            "child_age": child_age, "has_children": count > 0, **what_ages_decide(head_age, child_age, count > 0, demo)}


def what_ages_decide(head_age: np.ndarray, child_age: np.ndarray, has_children: np.ndarray,
                     demo: Demography) -> dict[str, np.ndarray]:
    """Whether each household's reference person is of working age
    (`demography.working_ages`), whether a child is of school age (`demography.school_ages`,
    at home or in care), and so which needs it can have (`may_have`, from
    `vocabulary.WHO_CAN_HAVE`)."""
    low, high = age_band(demo.working_ages)
    decided = {"working_age": (head_age >= low) & (head_age <= high), "has_children": has_children}
    low, high = age_band(demo.school_ages)
    decided["school_age"] = ((child_age >= low) & (child_age <= high)).any(axis=0)  # (NO_CHILD is below any age)
    may_have = np.ones((len(DOMAINS), head_age.size), bool)
    for domain, field in WHO_CAN_HAVE.items():
        may_have[DOMAIN_INDEX[domain]] = decided[field]
    return {"working_age": decided["working_age"], "school_age": decided["school_age"], "may_have": may_have}


def ages_decide(h, demo: Demography, homes=slice(None)) -> None:
    """Write what the ages decide (`what_ages_decide`) into the households `h` (or anything
    with their fields), for `homes` (all by default), as their ages now stand."""
    decided = what_ages_decide(h.head_age[homes], h.child_age[:, homes], h.has_children[homes], demo)
    for name, values in decided.items():
        getattr(h, name)[..., homes] = values


def draw_composition(pop: Population, demo: Demography, k: int, rng: np.random.Generator, *,
                     newcomers: bool) -> dict[str, np.ndarray]:
    """`k` households' composition (`composition_from`), drawn afresh."""
    return composition_from(pop, demo, rng.random((composition_variates(pop), k)), newcomers=newcomers)


def a_year_of_people(h, pop: Population, demo: Demography, rng: np.random.Generator,
                     child_stocks: list[int], aligned: bool = False) -> YearOfPeople:
    """One year of people changing, in place on `h` (the households, or their
    composition alone while settling): ageing, coming of age, births, and households
    leaving, their homes given to newcomers (whose composition is drawn here; their
    needs, traits and standing are the caller's to set)."""
    n = h.head_age.size
    h.head_age += (h.head_age < OLDEST).astype(np.int8)  # (a household kept at OLDEST by a placement ages no further)
    filled = h.child_age != NO_CHILD
    h.child_age[filled] += 1

    # Coming of age: a child at home stops being a child of the household (some stay on
    # as adults); a child in a placement leaves it.
    grown = h.child_age >= demo.leaving_age
    n_grown = grown.sum(axis=0, dtype=np.int64)
    placed = grown & (h.child_in != AT_HOME)
    from_home = n_grown - placed.sum(axis=0)
    h.children -= from_home.astype(np.int8)
    left_placements = np.zeros(len(child_stocks), np.int64)
    for k, s in enumerate(child_stocks):
        leaving = (placed & (h.child_in == s)).sum(axis=0)
        h.in_stock[s] -= leaving.astype(h.in_stock.dtype)
        left_placements[k] = leaving.sum()
    stays = grown & (h.child_in == AT_HOME) & (rng.random(grown.shape) < demo.stays_home)
    staying = stays.sum(axis=0)
    h.child_age[grown] = NO_CHILD
    h.child_in[grown] = AT_HOME
    h.adults[:] = np.minimum(h.adults + staying, pop.max_adults)

    # Births, to households whose reference person is of an age to have children.
    low, high = age_band(demo.fertile_ages)
    free = h.child_age == NO_CHILD
    may = (h.head_age >= low) & (h.head_age <= high) & free.any(axis=0)
    born = np.flatnonzero(may & (rng.random(n) < demo.birth_rate))
    place = free[:, born].argmax(axis=0)
    h.child_age[place, born] = 0
    h.children[born] += 1
    h.has_children[:] = (h.child_age != NO_CHILD).any(axis=0)

    # Households leave; newcomers take their homes.
    chance = np.where(h.head_age >= demo.dissolve_from, demo.dissolution, demo.move_away)
    leaving = (rng.random(n) < chance) | (h.head_age >= OLDEST)
    leaving &= h.in_stock.sum(axis=0) == 0
    newcomers = np.flatnonzero(leaving)
    # With `aligned`, uniforms are drawn for every home and the homes newcomers take turn
    # theirs into households: the draws do not depend on how many leave, so two variants of
    # a run on one seed give the same home the same numbers (common random numbers), while
    # only the newcomers pay for the transform.
    variates = composition_variates(pop)
    draws = rng.random((variates, n))[:, newcomers] if aligned else rng.random((variates, newcomers.size))
    for name, values in composition_from(pop, demo, draws, newcomers=True).items():
        getattr(h, name)[..., newcomers] = values
    h.child_in[:, newcomers] = AT_HOME
    ages_decide(h, demo)
    return YearOfPeople(newcomers, births=int(born.size), came_of_age=int(n_grown.sum()), stayed_on=int(staying.sum()),
                        left_placements=left_placements)


def settle(h, pop: Population, demo: Demography, rng: np.random.Generator) -> None:
    """Live `demography.settle_years` years of people changing on a place's starting
    composition (before needs are drawn), so its mix of ages is the one the rates hold."""
    for _ in range(demo.settle_years):
        a_year_of_people(h, pop, demo, rng, child_stocks=[])


class PeopleChange:
    """The stage "people change": in a year's first week, a year of people changing;
    then the newcomers' needs and traits are drawn and their history with services
    begins, and the stages that keep who has children are told."""

    def __init__(self, households, pop: Population, demo: Demography, rng: np.random.Generator,
                 child_stocks: list[int], newcomer_needs, on_change):
        self.households, self.pop, self.demo, self.rng = households, pop, demo, rng
        self.child_stocks = child_stocks
        self.newcomer_needs = newcomer_needs  # (indices, rng) -> the newcomers' traits and needs, in place (uniforms drawn for every home)
        self.on_change = on_change  # callables told that who has children, and frailty, may have changed

    def __call__(self, week: Week) -> None:
        if week.number % WEEKS_PER_YEAR:
            return
        h = self.households
        year = a_year_of_people(h, self.pop, self.demo, self.rng, self.child_stocks, aligned=True)
        self.newcomer_needs(year.newcomers, self.rng)
        h.start_afresh(year.newcomers)
        h.crisis_now[year.newcomers] = False  # the last household's crisis is not the newcomer's
        h.crisis_domains[:, year.newcomers] = False
        h.arrived_week[year.newcomers] = week.number
        for told in self.on_change:
            told()
        counts = week.counts
        counts.births, counts.came_of_age, counts.newcomers = year.births, year.came_of_age, year.newcomers.size
        counts.stock_left[self.child_stocks] += year.left_placements
        if week.events:
            week.events.emit("moved_in", 0, year.newcomers)
