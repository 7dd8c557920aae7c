"""analysis.lottery: on virtual lotteries with a planted school effect and a planted
interaction, the estimates find them within their intervals, the intervals miss the truth
at about the stated rate, TOT is ITT over the first stage, the analytic power agrees with
repeated synthetic lotteries, and bad input is one line."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.lottery import (applicants_needed, could_detect, interaction_power, lottery_effects, plot_lottery,
                              power_curve, simulated_power)

SCHOOL, INTERACTION = 0.4, 0.2            # planted effects of attending, in SD
TAKE_UP, CROSSOVER = 0.8, 0.1             # winners who attend; losers who get a seat anyway
FIRST_STAGE = TAKE_UP - CROSSOVER


def virtual_lottery(seed, replicates=6, applicants=1000, school=SCHOOL, interaction=INTERACTION,
                    take_up=TAKE_UP, crossover=CROSSOVER):
    """Replicates differ in level and in the share offered, and the two go together (the
    higher places offer more seats), so only a within-replicate comparison is unbiased."""
    rng = np.random.default_rng(seed)
    parts = []
    for r in range(replicates):
        offered = rng.permutation(np.arange(applicants) < round((0.3 + 0.06 * r) * applicants))
        in_zone = rng.random(applicants) < 0.5
        barrier = rng.random(applicants) < 0.3
        u = rng.random(applicants)
        attended = np.where(offered, u < take_up, u < crossover)
        score = (1.5 * r + school * attended + interaction * (attended & in_zone) + 0.1 * in_zone - 0.5 * barrier
                 + rng.normal(0.0, 1.0, applicants))
        parts.append(pd.DataFrame({"replicate": r, "offered": offered, "attended": attended, "in_zone": in_zone,
                                   "barrier": barrier, "score": score, "reached": score > 1.5 * r}))
    return pd.concat(parts, ignore_index=True)


def get(effects, quantity, group="all"):
    rows = effects[(effects["quantity"] == quantity) & (effects["group"] == group)]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.fixture(scope="module")
def big():
    return lottery_effects(virtual_lottery(seed=1), confidence=0.99)


@pytest.mark.parametrize("quantity, group, truth", [
    ("first stage", "all", FIRST_STAGE),
    ("ITT", "all", FIRST_STAGE * (SCHOOL + 0.5 * INTERACTION)),
    ("TOT", "all", SCHOOL + 0.5 * INTERACTION),
    ("TOT", "in zone", SCHOOL + INTERACTION),
    ("TOT", "outside zone", SCHOOL),
    ("ITT", "in zone", FIRST_STAGE * (SCHOOL + INTERACTION)),
    ("ITT", "outside zone", FIRST_STAGE * SCHOOL),
    ("interaction", "all", FIRST_STAGE * INTERACTION),
])
def test_planted_effects_are_recovered_within_their_intervals(big, quantity, group, truth):
    r = get(big, quantity, group)
    assert r["low"] <= truth <= r["high"]
    assert r["high"] - r["low"] < 0.4                     # and the interval is informative
    assert r["n"] > 0 and isinstance(r["what"], str) and r["what"]


def test_the_comparison_is_within_replicate_where_a_pooled_one_is_biased(big):
    table = virtual_lottery(seed=1)
    pooled = table.loc[table.offered, "score"].mean() - table.loc[~table.offered, "score"].mean()
    itt = get(big, "ITT")
    assert not itt["low"] <= pooled <= itt["high"]         # the pooled difference mixes places and offers
    means = big[big["group"] == "all"].set_index("quantity")["estimate"]
    assert means["winners' mean"] - means["losers' mean"] == pytest.approx(itt["estimate"])


def test_without_a_planted_interaction_the_interval_holds_zero():
    effects = lottery_effects(virtual_lottery(seed=2, interaction=0.0), confidence=0.99)
    r = get(effects, "interaction")
    assert r["low"] <= 0.0 <= r["high"]


def test_intervals_miss_the_truth_at_about_the_stated_rate():
    misses = {"ITT": 0, "TOT": 0, "interaction": 0}
    truth = {"ITT": FIRST_STAGE * (SCHOOL + 0.5 * INTERACTION), "TOT": SCHOOL + 0.5 * INTERACTION,
             "interaction": FIRST_STAGE * INTERACTION}
    draws = 150
    for seed in range(draws):
        effects = lottery_effects(virtual_lottery(seed=100 + seed, replicates=2, applicants=200), confidence=0.9)
        for quantity in misses:
            r = get(effects, quantity)
            misses[quantity] += not r["low"] <= truth[quantity] <= r["high"]
    for quantity, missed in misses.items():
        assert 0.03 <= missed / draws <= 0.19, (quantity, missed)


def test_tot_is_itt_over_the_first_stage_when_attendance_is_partial():
    table = virtual_lottery(seed=3, replicates=1, applicants=800)
    effects = lottery_effects(table)
    for group in ("all", "in zone", "barrier"):
        assert get(effects, "TOT", group)["estimate"] == pytest.approx(
            get(effects, "ITT", group)["estimate"] / get(effects, "first stage", group)["estimate"])
    # one lottery: the plain Wald estimate, by hand
    won, lost = table[table.offered], table[~table.offered]
    wald = (won.score.mean() - lost.score.mean()) / (won.attended.mean() - lost.attended.mean())
    assert get(effects, "TOT")["estimate"] == pytest.approx(wald)
    assert get(effects, "first stage")["estimate"] < 0.9


def test_with_full_take_up_and_no_crossover_tot_equals_itt():
    effects = lottery_effects(virtual_lottery(seed=4, take_up=1.0, crossover=0.0))
    assert get(effects, "first stage")["estimate"] == pytest.approx(1.0)
    assert get(effects, "TOT")["estimate"] == pytest.approx(get(effects, "ITT")["estimate"])
    assert get(effects, "TOT")["se"] == pytest.approx(get(effects, "ITT")["se"])


def test_one_lottery_interaction_is_the_difference_of_differences_with_cell_variances():
    table = virtual_lottery(seed=5, replicates=1, applicants=600)
    cells = {(z, o): table[(table.in_zone == z) & (table.offered == o)].score
             for z in (True, False) for o in (True, False)}
    gain = {z: cells[z, True].mean() - cells[z, False].mean() for z in (True, False)}
    did = gain[True] - gain[False]
    se = np.sqrt(sum(c.var(ddof=1) / len(c) for c in cells.values()))
    r = get(lottery_effects(table), "interaction")
    assert r["estimate"] == pytest.approx(did)
    assert r["se"] == pytest.approx(se)


def test_a_yes_no_outcome_and_a_group_without_losers_are_handled():
    table = virtual_lottery(seed=6, replicates=2, applicants=400)
    reached = lottery_effects(table, outcome="reached")
    assert 0.0 < get(reached, "ITT")["estimate"] < 1.0
    table.loc[table.barrier, "offered"] = True             # every child with a barrier won
    effects = lottery_effects(table)
    assert np.isnan(get(effects, "ITT", "barrier")["estimate"]) and get(effects, "ITT", "barrier")["n"] == 0
    assert np.isfinite(get(effects, "ITT", "no barrier")["estimate"])


@pytest.mark.parametrize("n", [400, 1200, 2500])
def test_analytic_power_agrees_with_repeated_lotteries(n):
    analytic = interaction_power(n, 0.2, 1.0, 0.4, 0.5)
    simulated = simulated_power(n, 0.2, 1.0, 0.4, 0.5, n_lotteries=1500, seed=n)
    assert abs(analytic - simulated) < 0.05, (analytic, simulated)


def test_power_rises_with_size_and_the_needed_size_reaches_the_power_asked():
    needed = applicants_needed(0.1, 1.0, 0.5, 0.5, power=0.8)
    assert interaction_power(needed, 0.1, 1.0, 0.5, 0.5) >= 0.8
    assert interaction_power(needed - 1, 0.1, 1.0, 0.5, 0.5) < 0.8 + 1e-3
    assert interaction_power(needed, 0.1, 1.0, 0.3, 0.5) < 0.8   # an unbalanced lottery needs more
    curve = power_curve(0.1, 1.0)
    assert np.all(np.diff(curve["power"]) > 0)
    assert curve["power"].iloc[0] == pytest.approx(0.05, abs=0.01)   # tiny lotteries: only false alarms


def test_could_detect_answers_in_one_line():
    small, large = could_detect(0.02, 1.0, n_evaluation=599), could_detect(0.6, 1.0, n_evaluation=599)
    assert small.startswith("No:") and large.startswith("Yes:")
    assert "599" in small and "\n" not in small + large
    assert could_detect(0.0, 1.0).startswith("No:")


def _one_line_error(call, *named):
    with pytest.raises(ValueError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message
    for word in named:
        assert word in message
    return message


@pytest.mark.parametrize("change, named", [
    (lambda t: t.drop(columns=["in_zone"]), ["'in_zone'"]),
    (lambda t: t.drop(columns=["score", "barrier"]), ["'barrier'", "'score'"]),
    (lambda t: t.assign(offered=False), ["no winners", "offered"]),
    (lambda t: t.assign(offered=True), ["no losers", "offered"]),
    (lambda t: t.assign(attended=2), ["'attended'", "2"]),
    (lambda t: t.assign(score=np.where(t.index == 3, np.nan, t.score)), ["'score'"]),
    (lambda t: t.iloc[:0], ["no rows"]),
    (lambda t: t.assign(replicate=t.offered.astype(int)), ["no replicate has both", "offered"]),
])
def test_bad_tables_are_refused_in_one_line(change, named):
    table = virtual_lottery(seed=7, replicates=1, applicants=50)
    _one_line_error(lambda: lottery_effects(change(table)), *named)


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.1])
def test_a_confidence_outside_zero_one_is_refused(confidence):
    table = virtual_lottery(seed=7, replicates=1, applicants=50)
    _one_line_error(lambda: lottery_effects(table, confidence=confidence), "confidence", str(confidence))


@pytest.mark.parametrize("call, named", [
    (lambda: interaction_power(500, 0.1, 1.0, 1.2, 0.5), ["offered_share", "1.2"]),
    (lambda: interaction_power(500, 0.1, 0.0, 0.5, 0.5), ["sd"]),
    (lambda: applicants_needed(0.0, 1.0, 0.5, 0.5), ["effect"]),
    (lambda: applicants_needed(0.1, 1.0, 0.5, 0.5, power=1.0), ["power"]),
    (lambda: simulated_power(6, 0.1, 1.0, 0.5, 0.5), ["n_applicants"]),
])
def test_bad_power_questions_are_refused_in_one_line(call, named):
    _one_line_error(call, *named)


def test_the_figure_is_written(tmp_path):
    effects = lottery_effects(virtual_lottery(seed=8, replicates=2, applicants=300))
    path = plot_lottery(effects, power_curve(get(effects, "interaction")["estimate"], 1.0), tmp_path / "lottery.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
