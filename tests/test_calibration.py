"""Targets as data, calibration by ABC, and the validation report: sources on every target,
named errors, a fit that stays inside its prior and writes a loadable scenario, and a
report that says honestly which targets pass and which are missed."""

import tomllib

import numpy as np
import pytest

from locality.experiments.calibrate import calibrate, fitted_file, write_fitted
from locality.experiments.runner import run
from locality.experiments.targets import TARGETS_FILE, MeasureJob, load_targets, measure, parameter_overrides
from locality.experiments.validate import validate
from locality.parameters.loader import ScenarioError, load_scenario, source_for

pytestmark = pytest.mark.slow  # calibration and validation runs


@pytest.fixture(scope="module")
def targets():
    return load_targets()


def _small(targets, households):
    return targets.model_copy(update={"measure": targets.measure.model_copy(update={"households": households})})


def test_every_target_has_a_source_and_a_range(targets):
    assert {"worklessness", "multi_problem_families", "demand_growth", "j_curve_costs_first", "fip_caseload"} <= set(targets.targets)
    for name, target in targets.targets.items():
        assert target.source.strip(), name
        assert target.low <= target.high
    assert targets.fitted() and len(targets.fitted()) < len(targets.targets)  # some are checks only


def test_distance_is_zero_in_the_middle_one_at_the_edges_and_grows_outside(targets):
    target = targets.targets["worklessness"]
    middle = (target.low + target.high) / 2
    assert target.off_centre(middle) == 0
    assert target.off_centre(target.low) == pytest.approx(1) and target.off_centre(target.high) == pytest.approx(1)
    assert 0 < target.off_centre(middle * 1.05) < 1 < target.off_centre(target.high * 1.1) < target.off_centre(target.high * 1.5)


@pytest.mark.parametrize("change, words", [
    (('metric = "prevalence"', 'metric = "happiness"', 1), ["metric"]),
    (('variant = "siloed"', 'variant = "joined"', 1), ["variant 'joined'"]),
    (("low = 0.141", "low = 0.5", 1), ["below low"]),
    (('domains = ["domestic_abuse", "mental_health", "substance_misuse"]', 'domains = ["domestic_abuse"]', 1),
     ["targets.toxic_trio", "co_occurrence needs domains"]),
    (('agency = "substance_misuse_services"', "", 1), ["targets.drug_treatment", "treated_in_year needs agency"]),
    (("[unrepresented.neet]", "[unrepresented.neet]\nmeaning = 1", 1), ["unrepresented.neet.meaning"]),
])
def test_a_bad_targets_file_is_named(tmp_path, change, words):
    text = TARGETS_FILE.read_text().replace(*change)
    path = tmp_path / "targets.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as error:
        load_targets(path)
    assert all(word in str(error.value) for word in words)


def test_factors_multiply_only_the_keys_they_match(targets):
    params = targets.calibration.parameters
    base = load_scenario("kent")
    values = {**dict.fromkeys(params, 1.0), "shock_rate": 2.0, "abuse_shock_rate": 0.5, "workless_shock_rate": 0.8,
              "demand_growth": 0.01}
    overrides = parameter_overrides("kent", params, values)
    assert overrides["needs.shock_rate.substance_misuse"] == pytest.approx(2 * base.needs.shock_rate["substance_misuse"])
    assert overrides["needs.shock_rate.worklessness"] == pytest.approx(0.8 * base.needs.shock_rate["worklessness"])
    assert overrides["needs.shock_rate.domestic_abuse"] == pytest.approx(0.5 * base.needs.shock_rate["domestic_abuse"])
    assert overrides["demand.growth"] == 0.01
    assert overrides["agencies.police.effect"] == pytest.approx(base.agencies["police"].effect)
    assert not any(key.startswith("needs.shock_size") for key in overrides)


def test_calibration_stays_in_its_prior_and_writes_a_scenario_and_its_posterior(targets, tmp_path):
    from locality.experiments.calibrate import posterior_draws
    from locality.experiments.posterior import posterior_beside as posterior_path
    from locality.experiments.replications import replicate

    small = _small(targets, 700)
    posterior = calibrate(small, population=4, generations=2, workers=1)
    assert len(posterior.samples) == 4 and posterior.samples["weight"].sum() == pytest.approx(1)
    assert posterior.generations == 2 and posterior.simulations >= 8
    summary = posterior.summary
    assert ((summary["median"] >= summary["prior_low"]) & (summary["median"] <= summary["prior_high"])).all()
    assert (summary["q05"] <= summary["q95"]).all()
    kept = posterior.samples[list(posterior.fitted)].to_numpy()
    assert any(np.allclose(row, list(posterior.fitted.values())) for row in kept)  # the fitted set is a posterior set
    path = write_fitted(tmp_path / "fitted.toml", fitted_file(small, posterior, "thanet"))
    fitted = load_scenario(path)
    factor = posterior.fitted["workless_shock_rate"]
    base = load_scenario("thanet")
    assert fitted.needs.shock_rate["worklessness"] == pytest.approx(factor * base.needs.shock_rate["worklessness"], rel=1e-4)
    assert "ABC-SMC" in source_for(fitted, "needs.shock_rate.worklessness")
    assert fitted.place.name == "Thanet"
    assert "extends" in tomllib.loads(path.read_text())
    # the posterior is kept beside it as draws of scenario values, and replications run on them
    draws = posterior_draws(small, posterior, "thanet")
    draws.to_csv(posterior_path(path), index=False)
    assert posterior_path(path).name == "fitted.posterior.csv" and len(draws) == 4
    assert "needs.shock_rate.worklessness" in draws and draws["weight"].sum() == pytest.approx(1)
    study = replicate(path, {"population.households": 300, "run.years": 1, "run.warmup_weeks": 2}, reps=3,
                      workers=1, posterior=posterior_path(path))
    for run_, drawn in zip(study.runs, study.draws):
        assert run_.scenario.needs.shock_rate["worklessness"] == pytest.approx(draws["needs.shock_rate.worklessness"][drawn])


def test_the_validation_report_says_which_targets_pass_and_which_miss(targets, tmp_path):
    report = validate(_small(targets, 1500), tmp_path, reps=2, place_households=600, place_years=1,
                      stationary_households=800, stationary_years=3, reps_for_effects=3, workers=1)
    text = report.read_text()
    for target in targets.targets.values():
        assert target.label in text
    assert "targets pass" in text and "Known limits" in text
    assert "## Fitted targets" in text and "## Checks" in text  # fitted and checked apart
    assert "## Published rates the model does not represent" in text
    for left_out in targets.unrepresented.values():  # each rate the panel leaves out, with why
        assert f"| {left_out.label} | {left_out.source} | {left_out.why} |" in text
    assert "Is the status quo stationary?" in text and "elasticity of" in text
    assert "Do services move crises?" in text and "A 28% cut" in text and "A 100% cut" in text
    assert (tmp_path / "cuts.csv").exists()
    assert "Does an early-intervention shift pay back?" in text and (tmp_path / "payback.csv").exists()
    for chart in ("targets.png", "stationary.png"):
        assert (tmp_path / chart).stat().st_size > 10_000
    for place in ("Thanet", "Sherwood", "Kent", "Swale", "Tri-borough"):
        assert place in text
    assert "Thanet's status quo" in text
    kent_rows = [line for line in text.splitlines() if "| kent, siloed |" in line]
    assert kent_rows and all(("inside" in line) or ("outside" in line) for line in kent_rows)  # Thanet beside Kent


def test_co_occurrence_and_treatment_in_a_year_count_what_they_say(targets):
    """The toxic trio is no more common than the rarest of its three problems (and its
    value is the three together, counted from the households); people treated in a year
    are those in treatment as it starts plus those starting, so more than the caseload."""
    names = ("toxic_trio", "drug_treatment")
    small = _small(targets, 1500)
    measured = measure(MeasureJob(small, names, {}, seed=7))
    results = run("kent", small.variants["siloed"] | {"population.households": 1500, "run.years": 4, "run.seed": 7,
                                                        "run.record_every": "week"})
    h = results.households
    trio = h["has_domestic_abuse"] & h["has_mental_health"] & h["has_substance_misuse"]
    assert measured["toxic_trio"] == pytest.approx(np.average(trio, weights=h["children"]))
    assert measured["toxic_trio"] <= min(np.average(h[f"has_{d}"], weights=h["children"])
                                         for d in ("domestic_abuse", "mental_health", "substance_misuse"))
    rows = results.agencies[results.agencies["agency"] == "substance_misuse_services"]
    adults = results.steps["adults"].mean() + results.steps["stock_custody"].mean() + results.steps["stock_hospital"].mean()
    caseload_only = rows["caseload"].mean() / adults * 1000
    starts = rows["admissions"].sum() / 4 / adults * 1000
    assert rows["admissions"].sum() > 0
    assert measured["drug_treatment"] == pytest.approx(caseload_only + starts, rel=0.02)


def test_the_default_scenario_lands_inside_every_fit_target_on_fresh_seeds(targets):
    """The built-in fitted layer (parameters/scenarios/_calibrated.toml), judged on seeds
    that calibration never used, at the targets file's own size and replications."""
    from locality.experiments.calibrate import verify

    table = verify(targets, names=list(targets.fitted()), workers=1)
    missed = table[table["verdict"] != "pass"]
    assert set(missed.index) <= set(KNOWN_MISSES), missed[["low", "high", "model"]].to_string()
    for name in missed.index:  # a known miss stays near its range, or it is a new problem
        low, high = table.loc[name, ["low", "high"]]
        assert low - (high - low) / 2 <= table.loc[name, "model"] <= high + (high - low) / 2, (name, KNOWN_MISSES[name])


#: Fitted targets the built-in layer is known to miss, each with why (the validation
#: report's known limits say the same); anything else missing fails the test above.
KNOWN_MISSES: dict[str, str] = {}  # none since clustering was refitted (multi-problem families were one before)


def test_the_protection_lines_are_the_quantiles_that_give_the_published_shares():
    from locality.experiments.protection import ENQUIRY_SHARE, PLAN_SHARE, fitted_lines
    needs = np.random.default_rng(3).uniform(0.3, 1.0, 200_000)
    enquiry, plan = fitted_lines(needs)
    assert np.mean(needs >= enquiry) == pytest.approx(ENQUIRY_SHARE, abs=0.005)
    assert np.mean(needs[needs >= enquiry] >= plan) == pytest.approx(PLAN_SHARE, abs=0.01)


def test_the_fitted_referral_target_is_the_one_the_detection_fit_aims_at(targets):
    from locality.experiments.protection import DETECTION, REFERRALS
    from locality.experiments.calibrate import abc_targets
    target = targets.targets[REFERRALS]
    assert target.role == "fit" and target.agency == DETECTION.split(".")[1]
    assert "protection" in source_for(load_scenario("kent"), DETECTION)
    fitted_elsewhere = {name for name, t in targets.fitted().items() if t.fitted_by}
    assert {REFERRALS, "section_47_share", "plan_share"} <= fitted_elsewhere
    assert not fitted_elsewhere & set(abc_targets(targets)) and "worklessness" in abc_targets(targets)
