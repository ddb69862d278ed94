"""Build the locality: households with their composition and starting needs, and the
social network (networkx) that needs spread along, flattened once into a sparse matrix."""

from __future__ import annotations

from types import SimpleNamespace

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.special import betaincinv, gammaincinv

from locality.parameters.schema import Scenario
from locality.parameters.vocabulary import DOMAINS

from .demography import draw_composition, settle
from .state import AT_HOME, Households

MEAN_INSIDE = 1e-3  # numerical: how far inside (0, 1) a beta distribution's mean is kept
ENDS = 2  # layout: a tie joins two households
TEMPLATE_SEEDS = 2**31  # engine: networkx's seeds for the neighbourhood patterns are drawn below this


def build_households(spec: Scenario, n_services: int, rng: np.random.Generator) -> Households:
    """Draw every household's composition (the reference person's age, adults, children
    and their ages), let it live the demography's settling years, then draw resilience,
    engagement, frailty and starting needs; everything else starts as `sim.state`
    declares it. (The statutory stocks start empty here: `sim.stocks.seed_stocks` fills
    them.)"""
    pop = spec.population
    n = pop.households
    composition = draw_composition(pop, spec.demography, n, rng, newcomers=False)
    placements = {"in_stock": np.zeros((0, n), np.int8), "child_in": np.full_like(composition["child_age"], AT_HOME)}
    settle(SimpleNamespace(**composition, **placements), pop, spec.demography, rng)
    drawn = composition | draw_traits_and_needs(spec, composition["may_have"], rng)
    drawn["neighbourhood"] = (np.arange(n) // pop.neighbourhood_size).astype(np.int32)
    return Households(n, len(DOMAINS), n_services, len(spec.stocks), pop.max_children, drawn=drawn)


TRAITS = ("resilience", "base_engagement", "frailty")
TRAIT_VARIATES = len(TRAITS) + len(DOMAINS)  # uniforms a household's traits take: one per trait, one per need


def traits_and_needs_from(spec: Scenario, may_have: np.ndarray, draws: np.ndarray) -> dict[str, np.ndarray]:
    """Resilience and engagement (beta), frailty (gamma, mean 1) and starting needs
    (exponential, scaled by frailty; only where the household can have the need,
    `may_have`),
    one household per column of `draws` (uniforms, `TRAIT_VARIATES` rows), by inverse
    transform: for the place as it starts, and for each newcomer household."""
    pop, needs = spec.population, spec.needs
    resilience = _beta_with_mean(pop.resilience_mean, pop.trait_spread, draws[0])
    base_engagement = _beta_with_mean(pop.engagement_mean, pop.trait_spread, draws[1])
    frailty = (gammaincinv(pop.frailty_shape, draws[2]) / pop.frailty_shape).astype(np.float32)
    initial = np.array([needs.initial_mean[d] for d in DOMAINS], np.float32)
    severity = (-np.log1p(-draws[len(TRAITS):])).astype(np.float32) * initial[:, None] * frailty  # domain-major: (D, N)
    np.clip(severity, 0.0, pop.initial_cap, out=severity)
    severity *= may_have
    return {"severity": severity, "resilience": resilience, "base_engagement": base_engagement,
            "engagement": base_engagement.copy(), "frailty": frailty}


def draw_traits_and_needs(spec: Scenario, may_have: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Households' traits and starting needs (`traits_and_needs_from`), drawn afresh."""
    return traits_and_needs_from(spec, may_have, rng.random((TRAIT_VARIATES, may_have.shape[1])))


def newcomers_drawn(spec: Scenario, households: Households):
    """What the stage "people change" calls for the households that took homes this
    year: their traits and starting needs drawn, in place."""
    def draw(homes: np.ndarray, rng: np.random.Generator) -> None:
        # uniforms drawn for every home, transformed for these: the draws do not depend on
        # how many moved in, so variants of a run on one seed stay on common random numbers
        draws = rng.random((TRAIT_VARIATES, households.n))[:, homes]
        for name, values in traits_and_needs_from(spec, households.may_have[:, homes], draws).items():
            getattr(households, name)[..., homes] = values
    return draw


def build_social_network(spec: Scenario, neighbourhood: np.ndarray, rng: np.random.Generator) -> sp.csr_matrix:
    """Small-world ties within each neighbourhood (networkx Watts-Strogatz templates) plus
    a share of kin ties to nearby neighbourhoods, as a row-normalised sparse matrix: row i
    averages i's ties.

    A household with no ties averages itself, so spreading leaves it alone.
    """
    pop = spec.population
    n = neighbourhood.size
    sources, targets = [], []
    if pop.ties > 0 and n > 1:
        starts = np.flatnonzero(np.r_[True, neighbourhood[1:] != neighbourhood[:-1]])
        sizes = np.diff(np.r_[starts, n])
        templates: dict[tuple[int, int], np.ndarray] = {}
        choice = rng.integers(0, pop.network_patterns, starts.size)
        for start, size, variant in zip(starts, sizes, choice):
            key = (int(size), int(variant))
            if key not in templates:
                templates[key] = _neighbourhood_edges(int(size), pop.ties, pop.rewiring, seed=int(rng.integers(TEMPLATE_SEEDS)))
            edges = templates[key] + start
            sources.append(edges[:, 0])
            targets.append(edges[:, 1])
        n_kin = round(pop.kin_share * n * pop.ties / ENDS)
        if n_kin:
            # Kin live in other neighbourhoods, but mostly nearby: within kin_reach
            # neighbourhoods either way (which also keeps ties near in memory).
            reach = max(1, pop.kin_reach * pop.neighbourhood_size)
            first = rng.integers(0, n, n_kin)
            second = first + rng.integers(-reach, reach + 1, n_kin)
            keep = (second >= 0) & (second < n) & (second != first)
            sources.append(first[keep])
            targets.append(second[keep])
    src = np.concatenate(sources) if sources else np.zeros(0, np.int64)
    dst = np.concatenate(targets) if targets else np.zeros(0, np.int64)
    rows, cols = np.r_[src, dst], np.r_[dst, src]
    adjacency = sp.csr_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=(n, n))
    adjacency.data[:] = 1.0  # duplicate ties count once
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    lonely = np.flatnonzero(degree == 0)
    adjacency = adjacency + sp.csr_matrix((np.ones(lonely.size, np.float32), (lonely, lonely)), shape=(n, n))
    degree[lonely] = 1.0
    weights = sp.diags((1.0 / degree).astype(np.float32)) @ adjacency
    return weights.tocsr().astype(np.float32)


def _neighbourhood_edges(size: int, ties: int, rewiring: float, seed: int) -> np.ndarray:
    if size <= ties:
        graph = nx.complete_graph(size)
    else:
        graph = nx.watts_strogatz_graph(size, ties, rewiring, seed=seed)
    return np.array(graph.edges(), dtype=np.int64).reshape(-1, ENDS)


def _beta_with_mean(mean: float, concentration: float, draws: np.ndarray) -> np.ndarray:
    """Beta values with this mean and concentration (a + b), by inverse transform of
    uniform draws; a mean of 0 or 1 is kept just inside, where a beta distribution is
    defined."""
    mean = min(max(mean, MEAN_INSIDE), 1 - MEAN_INSIDE)
    return betaincinv(mean * concentration, (1 - mean) * concentration, draws).astype(np.float32)
