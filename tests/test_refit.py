"""A narrow refit (`locality calibrate --only`): some parameters fitted again while the
fitted file keeps every other value and its history, and the posterior's draws follow the
values in force. The ABC run itself is tested in test_calibration."""

import tomllib

import pandas as pd
import pytest

from locality.experiments import cli
from locality.experiments.calibrate import flat_settings, only, refit_file, rescaled_draws, with_new_keys
from locality.experiments.targets import load_targets

EXISTING = """# Fitted by `locality calibrate` on 2026-12-01.
# Rerun the command to refit; do not edit by hand.
extends = "_base"

[needs.shock_rate.worklessness]
value = 0.02
source = "calibrated: first fit"

[needs.shock_rate.mental_health]
value = 0.04
source = "calibrated: first fit"

[crises.eviction]
rate = { value = 0.1, source = "fitted: first" }
"""

REFIT = """extends = "_base"

[needs.shock_rate.worklessness]
value = 0.025
source = "calibrated: the narrow refit"

[crises.eviction.rate]
value = 0.12
source = "fitted: again"
"""


def test_a_narrow_refit_replaces_its_own_values_and_keeps_the_rest_and_the_history():
    text = refit_file(EXISTING, REFIT, ["workless_shock_rate"])
    document = tomllib.loads(text)
    settings = flat_settings(document)
    assert settings["needs.shock_rate.worklessness"] == {"value": 0.025, "source": "calibrated: the narrow refit"}
    assert settings["needs.shock_rate.mental_health"]["value"] == 0.04  # not refitted: kept
    assert settings["crises.eviction.rate"]["value"] == 0.12
    assert document["extends"] == "_base"
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert header[0].startswith("# Fitted by `locality calibrate` on 2026-12-01")  # the history stays
    assert "workless_shock_rate refitted alone" in header[-1]


def test_the_draws_follow_the_refitted_values_and_keep_their_spread():
    draws = pd.DataFrame({"weight": [0.5, 0.5], "needs.shock_rate.worklessness": [0.018, 0.022],
                          "needs.shock_rate.mental_health": [0.03, 0.05]})
    before = {"needs.shock_rate.worklessness": 0.02, "needs.shock_rate.mental_health": 0.04}
    after = {"needs.shock_rate.worklessness": 0.025}
    moved = rescaled_draws(draws, before, after)
    assert list(moved["needs.shock_rate.worklessness"]) == pytest.approx([0.0225, 0.0275])
    assert list(moved["needs.shock_rate.mental_health"]) == [0.03, 0.05]
    assert list(draws["needs.shock_rate.worklessness"]) == [0.018, 0.022]  # the caller's frame is not touched


def test_a_key_the_draws_lack_is_drawn_from_the_narrow_refits_own_draws_by_weight():
    draws = pd.DataFrame({"weight": [0.25] * 4000, "needs.shock_rate.worklessness": [0.02] * 4000})
    narrow = pd.DataFrame({"weight": [0.9, 0.1, 0.0], "population.frailty_shape": [0.8, 1.0, 5.0]})
    added = with_new_keys(draws, narrow, seed=1)
    shapes = added["population.frailty_shape"]
    assert set(shapes) == {0.8, 1.0}  # a draw of no weight is never taken
    assert (shapes == 0.8).mean() == pytest.approx(0.9, abs=0.03)
    assert list(added["needs.shock_rate.worklessness"]) == list(draws["needs.shock_rate.worklessness"])
    assert "population.frailty_shape" not in draws  # the caller's frame is not touched
    assert with_new_keys(added, narrow, seed=2) is added  # nothing new: the draws as they were


def test_only_leaves_the_named_parameters_to_fit_and_names_an_unknown_one():
    targets = load_targets()
    narrow = only(targets, ["coupling", "workless_shock_rate"])
    assert list(narrow.calibration.parameters) == ["coupling", "workless_shock_rate"]
    assert len(targets.calibration.parameters) > 2  # the loaded targets are not changed
    with pytest.raises(ValueError, match="'couplings'.*choose from"):
        only(targets, ["couplings"])


def test_the_command_refuses_a_refit_without_a_file_to_update_or_with_an_unknown_parameter(tmp_path, capsys):
    assert cli.main(["calibrate", "--only", "coupling", "--out", str(tmp_path / "absent.toml")]) == 2
    assert "--out must name that file" in capsys.readouterr().err
    existing = tmp_path / "fitted.toml"
    existing.write_text(EXISTING)
    assert cli.main(["calibrate", "--only", "couplings", "--out", str(existing)]) == 2
    assert "no calibration parameter 'couplings'" in capsys.readouterr().err
    assert existing.read_text() == EXISTING
