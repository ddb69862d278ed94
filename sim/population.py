"""Build the locality: households with their composition and starting needs, and the
social network (networkx) that needs spread along, flattened once into a sparse matrix."""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

from parameters.schema import Scenario
from parameters.vocabulary import CHILD_DOMAINS, DOMAIN_INDEX, DOMAINS

from .state import Households



MEAN_INSIDE = 1e-3  # numerical: how far inside (0, 1) a beta distribution's mean is kept
ENDS = 2  # layout: a tie joins two households
TEMPLATE_SEEDS = 2**31  # engine: networkx's seeds for the neighbourhood patterns are drawn below this


def build_households(spec: Scenario, n_services: int, rng: np.random.Generator) -> Households:
    """(The statutory stocks start empty here: `sim.stocks.seed_stocks` fills them.)"""
    """Draw every household's composition, resilience, engagement, frailty and starting
    needs; everything else starts as `sim.state` declares it."""
    pop, needs = spec.population, spec.needs
    n = pop.households
    has_children = rng.random(n) < pop.share_with_children
    children = np.where(has_children, 1 + rng.poisson(pop.children_mean - 1.0, n), 0).clip(0, pop.max_children)
    adults = (1 + rng.poisson(pop.adults_mean - 1.0, n)).clip(1, pop.max_adults)
    resilience = _beta_with_mean(rng, pop.resilience_mean, pop.trait_spread, n)
    base_engagement = _beta_with_mean(rng, pop.engagement_mean, pop.trait_spread, n)
    frailty = rng.gamma(pop.frailty_shape, 1.0 / pop.frailty_shape, n).astype(np.float32)

    initial = np.array([needs.initial_mean[d] for d in DOMAINS], np.float32)
    severity = rng.exponential(1.0, (n, len(DOMAINS))).astype(np.float32) * initial * frailty[:, None]
    severity = np.ascontiguousarray(severity.T)  # domain-major: (D, N)
    np.clip(severity, 0.0, pop.initial_cap, out=severity)
    severity[child_columns()] *= has_children

    return Households(n, len(DOMAINS), n_services, len(spec.stocks), drawn={
        "severity": severity,
        "has_children": has_children,
        "adults": adults.astype(np.int8),
        "children": children.astype(np.int8),
        "resilience": resilience,
        "base_engagement": base_engagement,
        "engagement": base_engagement.copy(),
        "frailty": frailty,
        "neighbourhood": (np.arange(n) // pop.neighbourhood_size).astype(np.int32),
    })


def child_columns() -> list[int]:
    return [DOMAIN_INDEX[d] for d in CHILD_DOMAINS]


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


def _beta_with_mean(rng: np.random.Generator, mean: float, concentration: float, n: int) -> np.ndarray:
    """Beta draws with this mean and concentration (a + b); a mean of 0 or 1 is kept just
    inside, where a beta distribution is defined."""
    mean = min(max(mean, MEAN_INSIDE), 1 - MEAN_INSIDE)
    return rng.beta(mean * concentration, (1 - mean) * concentration, n).astype(np.float32)
