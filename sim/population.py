"""Build the locality: households with their composition and starting needs, and the
social network (networkx) that needs spread along, flattened once into a sparse matrix."""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

from parameters.schema import Scenario
from parameters.vocabulary import CHILD_DOMAINS, DOMAIN_INDEX, DOMAINS

from .state import Households

NETWORK_TEMPLATES = 4  # distinct neighbourhood graphs per size; neighbourhoods reuse them


def build_households(spec: Scenario, n_services: int, rng: np.random.Generator) -> Households:
    """Draw every household's composition, resilience, engagement, frailty and starting
    needs; everything else starts as `sim.state` declares it."""
    pop, needs = spec.population, spec.needs
    n = pop.households
    has_children = rng.random(n) < pop.share_with_children
    children = np.where(has_children, 1 + rng.poisson(pop.children_mean - 1.0, n), 0).clip(0, 10).astype(np.int8)
    adults = (1 + rng.poisson(pop.adults_mean - 1.0, n)).clip(1, 6).astype(np.int8)
    resilience = _beta_with_mean(rng, pop.resilience_mean, n)
    base_engagement = _beta_with_mean(rng, pop.engagement_mean, n)
    frailty = rng.gamma(pop.frailty_shape, 1.0 / pop.frailty_shape, n).astype(np.float32)

    initial = np.array([needs.initial_mean[d] for d in DOMAINS], np.float32)
    severity = rng.exponential(1.0, (n, len(DOMAINS))).astype(np.float32) * initial * frailty[:, None]
    severity = np.ascontiguousarray(severity.T)  # domain-major: (D, N)
    np.clip(severity, 0.0, 0.85, out=severity)
    severity[child_columns()] *= has_children

    return Households(n, len(DOMAINS), n_services, drawn={
        "severity": severity,
        "has_children": has_children,
        "adults": adults,
        "children": children,
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
        choice = rng.integers(0, NETWORK_TEMPLATES, starts.size)
        for start, size, variant in zip(starts, sizes, choice):
            key = (int(size), int(variant))
            if key not in templates:
                templates[key] = _neighbourhood_edges(int(size), pop.ties, pop.rewiring, seed=int(rng.integers(2**31)))
            edges = templates[key] + start
            sources.append(edges[:, 0])
            targets.append(edges[:, 1])
        n_kin = round(pop.kin_share * n * pop.ties / 2)
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
    return np.array(graph.edges(), dtype=np.int64).reshape(-1, 2)


def _beta_with_mean(rng: np.random.Generator, mean: float, n: int, concentration: float = 6.0) -> np.ndarray:
    mean = min(max(mean, 1e-3), 1 - 1e-3)
    return rng.beta(mean * concentration, (1 - mean) * concentration, n).astype(np.float32)
