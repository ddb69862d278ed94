"""The rules against their engine: every compiled kernel does what its rule's readable
numpy statement says, on whole runs, on random states and on two threads; and the
model run on the statements alone gives the same results, bit for bit."""

import importlib
import inspect
import pkgutil

import numpy as np
import pandas as pd
import pytest

import locality.sim
from locality.sim.engine import Rule, RulesDisagree
from locality.sim.model import LocalityModel

SMALL = {"population.households": 2000, "run.years": 1, "run.warmup_weeks": 12}


def all_rules() -> list[Rule]:
    found = {}
    for module in pkgutil.iter_modules(locality.sim.__path__):
        for value in vars(importlib.import_module(f"locality.sim.{module.name}")).values():
            if isinstance(value, Rule):
                found[value.name] = value
    return list(found.values())


def test_the_rules_are_found():
    assert {"needs_interact", "drift_towards", "place_shocks", "needs_settle", "notice_candidates", "in_early_band",
            "on_books", "help_cases", "count_standing", "tally_households", "first_help"} <= {r.name for r in all_rules()}


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.name)
def test_each_kernel_takes_its_rule_s_parameters_by_name(rule):
    """Stages call rules by keyword: the kernel must have the statement's parameters, in
    the same order, plus the range of the part it works on when the engine splits it."""
    statement = list(inspect.signature(rule.statement).parameters)
    kernel = list(inspect.signature(rule.kernel.py_func).parameters)
    assert kernel == statement + (["first", "last"] if rule.over else [])
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in inspect.signature(rule.statement).parameters.values())


CASES = {
    "siloed": {},
    "integrated": {"regime.kind": "integrated", "regime.pooled_share": 0.2},
    "thresholds below the problem line": {"agencies.housing.threshold": 0.2, "regime.rationing": "waiting_list"},
    "arrival order with a cut and a shift": {"regime.queue_order": "arrival", "budget.cut": 0.3, "budget.cut_years": 1,
                                             "early_intervention.shift": 0.3, "early_intervention.start_year": 1},
    "courses of help before a case closes on recovery": {"agencies.housing.course_weeks": 8,
                                                         "agencies.police.course_weeks": 3},
    "a growing place": {"demography.household_growth": 0.05, "run.years": 2},
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_kernels_agree_with_the_rules_over_a_whole_run(case):
    """In "check" mode the engine runs every rule's statement on a copy of the state
    beside its kernel and raises at the first output that differs."""
    model = LocalityModel("thanet", overrides={**SMALL, "run.seed": 4, **CASES[case]}, engine="check")
    model.run()
    assert model.recorder.steps_frame()["crises"].sum() > 0


def test_the_kernels_agree_with_the_rules_on_random_states():
    """Needs, standings, engagement and crises drawn at random, including states the
    model seldom reaches (everyone waiting somewhere, key workers serving at random)."""
    model = LocalityModel("sherwood", overrides={**SMALL, "regime.kind": "integrated", "run.seed": 2}, engine="check")
    rng = np.random.default_rng(0)
    h = model.households
    for _ in range(4):
        h.severity[:] = rng.random(h.severity.shape, np.float32) * h.has_children.astype(np.float32).clip(0.5, 1)
        h.status[:] = rng.integers(0, 4, h.status.shape)
        h.status[-1][h.status[-1] == 3] = 2  # the team gives no early help
        h.weeks_open[:] = rng.integers(0, 60, h.weeks_open.shape)
        h.engagement[:] = rng.random(h.n, np.float32)
        h.crisis_domains[:] = rng.random(h.crisis_domains.shape) < 0.05
        model.step()


def test_a_rule_that_disagrees_with_its_kernel_is_caught(monkeypatch):
    from locality.sim import help as stage

    statement = stage.help_cases.statement

    def off_by_a_little(**arguments):
        statement(**arguments)
        arguments["severity"][0, 0] += np.float32(0.01)

    model = LocalityModel("sherwood", overrides={**SMALL, "run.warmup_weeks": 0}, engine="check")
    monkeypatch.setattr(stage, "help_cases", Rule(off_by_a_little, stage.help_cases.kernel, stage.help_cases.over))
    with pytest.raises(RulesDisagree, match="off_by_a_little: the kernel's severity differs"):
        model.step()


def test_the_statements_alone_give_the_kernels_results_bit_for_bit():
    settings = {**SMALL, "regime.kind": "integrated", "run.seed": 6}
    fast, plain = LocalityModel("thanet", overrides=settings), LocalityModel("thanet", overrides=settings, engine="plain")
    fast.run()
    plain.run()
    pd.testing.assert_frame_equal(fast.recorder.steps_frame(), plain.recorder.steps_frame())
    assert np.array_equal(fast.households.severity, plain.households.severity)
    assert np.array_equal(fast.ledger.by_agency, plain.ledger.by_agency)


def test_two_threads_agree_with_the_rules(monkeypatch):
    """County-sized runs split the big passes into two parts; each part of each kernel
    must still do what the rule says."""
    from locality.sim import threads

    monkeypatch.setattr(threads, "FROM_HOUSEHOLDS", 0)
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 2)
    model = LocalityModel("thanet", overrides={**SMALL, "population.households": 9000, "regime.kind": "integrated",
                                               "run.warmup_weeks": 4}, engine="check")
    assert model.engine.threads == 2 and all(len(parts) == 2 for parts in model.engine.parts.values())
    for _ in range(6):
        model.step()


# --- rules whose meaning is checked on their own ---------------------------------------------
def test_first_by_picks_the_same_households_as_a_stable_sort():
    from locality.sim.allocating import first_by

    rng = np.random.default_rng(3)
    for key in (rng.integers(0, 5, 200), rng.random(200).astype(np.float32), np.zeros(50)):
        for k in (0, 1, 7, 49, 50, 300):
            assert set(first_by(key, k)) == set(np.argsort(key, kind="stable")[:k])


def test_standing_lists_each_status_in_index_order():
    from locality.sim.allocating import standing_lists

    column = np.random.default_rng(4).integers(0, 4, 1000).astype(np.int8)
    for listed, status in zip(standing_lists(column), (1, 2, 3)):
        assert np.array_equal(listed, np.flatnonzero(column == status))


def test_early_help_finds_each_household_in_the_band_with_the_chance_given():
    """Drawn with chance 1, every free household with a problem under a threshold is
    found; with chance 0.1, a tenth of them on average."""
    from locality.sim.noticing import AgencyThresholds
    from locality.sim.state import NONE, SERVED
    from locality.sim.week import EventLog, Week, WeekCounts

    model = LocalityModel("sherwood", overrides={**SMALL, "run.seed": 5})
    week = Week(0, model.regime, WeekCounts(len(model.payers), 0), EventLog(False))
    model.needs(week)
    noticing = AgencyThresholds(model.casework, referral_loss=0.0)
    agency, household = noticing._sample_below(week, 1.0)
    h, services = model.households, model.services
    line = np.float32(model.params.needs.problem_line)
    for a in services.agencies:
        domains = services.domain_lists[a.index][services.domain_lists[a.index] >= 0]
        need = np.where(services.clients[a.index], h.severity[domains].max(axis=0), 0)
        free = (h.status[a.index] == NONE) & services.clients[a.index] & (h.status[-1] != SERVED)
        band = np.flatnonzero(free & (need >= line) & (need < np.float32(a.threshold)))
        assert np.array_equal(household[agency == a.index], band), a.name
    found = [noticing._sample_below(week, 0.1)[0].size for _ in range(200)]
    assert np.mean(found) == pytest.approx(0.1 * agency.size, rel=0.05)


def test_the_week_tally_matches_the_tiers_by_definition():
    model = LocalityModel("sherwood", overrides={**SMALL, "run.seed": 6})
    for _ in range(5):
        model.step()
    h, needs = model.households, model.params.needs
    problems = (h.severity >= np.float32(needs.problem_line)).sum(axis=0)
    tier = np.where(problems >= 1, 1, 0)
    tier = np.where(problems >= needs.complex_count, 2, tier)
    tier = np.where((h.severity.max(axis=0) >= np.float32(needs.acute_line)) | h.crisis_now, 3, tier)
    assert np.array_equal(h.tier, tier)
    recorded = model.recorder.week_row[model.recorder.at["tier_universal"]:][:4]
    assert np.array_equal(np.bincount(h.tier, minlength=4), recorded)
