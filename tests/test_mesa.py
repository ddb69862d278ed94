"""Mesa idioms: agencies and the key-worker team are Mesa agents, households are views on
the arrays, and mesa.batch_run drives the model with plain keyword parameters."""

import mesa
import pytest
import networkx as nx
import numpy as np

from locality.agents import Agency, Household, KeyWorkerTeam
from locality.sim.model import LocalityModel

TINY = {"population.households": 400, "run.years": 1, "run.warmup_weeks": 4}


def test_agents_are_mesa_agents_and_households_are_views():
    model = LocalityModel("sherwood", overrides={**TINY, "regime.kind": "integrated"})
    assert len(model.agents_by_type[Agency]) == 11
    assert len(model.agents_by_type[KeyWorkerTeam]) == 1
    model.step()
    family = model.household(3)
    assert isinstance(family, Household)
    before = family.severity["worklessness"]
    model.households.severity[0, 3] = 0.9
    assert family.severity["worklessness"] == np.float32(0.9) != before
    assert family.tier in {"universal", "vulnerable", "complex", "crisis"}
    assert isinstance(model.social_network(), nx.Graph)
    assert model.referral_graph.has_edge("schools", "childrens_social_care")


def test_model_runs_to_its_end_and_stops():
    model = LocalityModel("sherwood", overrides=TINY)
    model.run()
    assert model.steps == 52 and not model.running
    model.step()  # past the end: nothing happens, nothing breaks
    assert model.recorder.n == 52


def test_the_model_says_where_it_is_in_one_short_line():
    model = LocalityModel("sherwood", overrides=TINY)
    assert repr(model).endswith("week 0 of 52, 0 crises so far>")
    for _ in range(10):
        model.step()
    crises = model.recorder.steps_frame()["crises"].sum()
    assert repr(model) == (f"<LocalityModel Sherwood, {model.households.n:,} households, siloed, seed {model.params.run.seed}: "
                           f"week 10 of 52, {crises:,.0f} crises so far>")
    assert "<table" in model._repr_html_() and "spend (£)" in model._repr_html_()


def test_batch_run_drives_the_model_with_keyword_parameters():
    rows = mesa.batch_run(
        LocalityModel,
        parameters={"scenario": "sherwood", "population.households": 300, "run.warmup_weeks": 2,
                    "run.years": 1, "regime.kind": ["siloed", "integrated"]},
        rng=[1],
        max_steps=10,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    places = {row["RunId"]: row for row in rows}  # a row per agency, the place's figures on each
    assert len(places) == 2
    assert {row["regime.kind"] for row in places.values()} == {"siloed", "integrated"}
    for row in places.values():  # each is what the same model run directly reports after ten weeks
        model = LocalityModel(scenario="sherwood", rng=1, **{key: row[key] for key in (
            "population.households", "run.warmup_weeks", "run.years", "regime.kind")})
        for _ in range(10):
            model.step()
        assert row["Step"] == 10
        assert [row[f"{k}_this_week"] for k in ("crises", "spend", "referrals")] == [model.latest(k) for k in ("crises", "spend", "referrals")]
    first, second = places.values()
    assert first["spend_this_week"] != second["spend_this_week"]  # the regimes really differ


def test_batch_run_reports_totals_so_far_and_each_agency_by_time_base():
    settings = {"population.households": 300, "run.warmup_weeks": 2, "run.years": 1}
    rows = mesa.batch_run(LocalityModel, parameters={"scenario": "sherwood", **settings},
                          rng=[3], max_steps=52, number_processes=1, data_collection_period=-1, display_progress=False)
    model = LocalityModel("sherwood", rng=3, **settings)
    model.run()
    steps, agencies = model.recorder.steps_frame(), model.recorder.agencies_frame()
    assert sorted(row["agency"] for row in rows) == sorted(agency.name for agency in model.agency_list)
    place = rows[0]
    assert place["crises_so_far"] == steps["crises"].sum() and place["spend_so_far"] == pytest.approx(steps["spend"].sum())
    assert place["crises_this_week"] == steps["crises"].iloc[-1] and place["budget_this_year"] > 0
    assert "crises" not in place and "spend" not in place  # no name that could pass for a whole-run total
    last_week = agencies[agencies["step"] == agencies["step"].max()].set_index("agency")
    for row in rows:
        assert row["agency_spend_this_week"] == pytest.approx(last_week.loc[row["agency"], "spend"])
        assert row["agency_budget_this_year"] > 0 and 0 < row["agency_threshold_now"] <= 1
