"""A virtual Promise Academy lottery: what winners against losers can tell, and what not.

Seed 004 (L1020-1033, L1225-1260) reports that both evaluations of the Harlem Children's
Zone found lottery winners did as well with or without the zone's community services,
and answers that a cumulative effect may show only for children whose barrier to
learning a service removes. This module is the evaluation's own arithmetic, applied to
children of model runs, so the two can be set side by side:

- `lottery_effects`: intent-to-treat (offered minus not offered), the first stage (the
  offer's effect on attending) and treatment-on-the-treated (ITT / first stage, a Wald
  estimate), overall, in and outside the zone, with and without a barrier; and the
  interaction (winners' gain in the zone minus their gain outside), the evaluations'
  test of whether the services add to the school.
- `interaction_power`, `applicants_needed`, `simulated_power`, `power_curve`,
  `could_detect`: how many applicants a lottery needs to see an interaction of a given
  size, and whether one of the evaluations' size could have seen the model's.
- `plot_lottery`: the figure.

Each replicate is one lottery, so comparisons are made within replicate (replicate
fixed effects): places differ in level and in the share offered, and a pooled
difference would mix the two.
"""
from __future__ import annotations

import math
import numbers
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

COLUMNS = ("replicate", "offered", "attended", "in_zone", "barrier")
FLAGS = ("offered", "attended", "in_zone", "barrier")

# The size of the HCZ lottery evaluations cite (docs/results.md, "Lottery", says where
# each number comes from). Dobbie & Fryer's middle-school lottery: 599 rising 6th graders
# (Coalition for Evidence-Based Policy, Top Tier Evidence review of the Promise Academy
# middle school, toptierevidence.org). Whitehurst & Croft (2010) ran no lottery.
HCZ_LOTTERY_APPLICANTS = 599
# Not found in the sources read: assumptions. Half offered and half in the zone is the
# most favourable split for detecting an interaction, so powers computed with them are
# upper bounds for the real lottery.
ASSUMED_OFFERED_SHARE = 0.5
ASSUMED_IN_ZONE_SHARE = 0.5

EFFECT_COLUMNS = ("quantity", "group", "estimate", "low", "high", "se", "n", "confidence", "what")

_GROUP_WORDS = {"all": "all applicants", "in zone": "applicants living in the zone",
                "outside zone": "applicants living outside the zone",
                "barrier": "children with a barrier to learning",
                "no barrier": "children without a barrier to learning"}


# -- input --------------------------------------------------------------------------------

def _flag(table: pd.DataFrame, column: str) -> np.ndarray:
    """A column of True/False (or 1/0) as a bool array; anything else is refused in one line."""
    values = table[column]
    if values.isna().any():
        raise ValueError(f"lottery table: column '{column}' has missing values; "
                         f"it must be True or False for every child")
    if values.dtype != bool:
        bad = sorted(set(values.unique()) - {0, 1}, key=str)
        if bad:
            raise ValueError(f"lottery table: column '{column}' has value {bad[0]!r}; allowed: True or False (or 1/0)")
    return values.to_numpy().astype(bool)


def _check_confidence(confidence: float) -> float:
    if not (isinstance(confidence, numbers.Real) and 0.0 < confidence < 1.0):
        raise ValueError(f"confidence={confidence!r} is outside (0, 1); e.g. 0.9 for a 90% interval")
    return float(confidence)


# -- the within-replicate comparison ------------------------------------------------------

class _Difference(NamedTuple):
    """Offered minus not offered within strata, and the two sides it is the difference of."""

    estimate: float
    se: float
    n: int
    winners: float          # stratum-weighted mean of winners (same weights as the estimate)
    winners_se: float
    losers: float
    losers_se: float


_NOTHING = _Difference(math.nan, math.nan, 0, math.nan, math.nan, math.nan, math.nan)


def _stratified(values: np.ndarray, offered: np.ndarray, strata: np.ndarray, k: int) -> _Difference:
    """Offered minus not offered of `values`, within strata (replicates).

    Strata are weighted by n1*n0/(n1+n0), the weights of a regression with stratum fixed
    effects, so TOT = ITT / first stage is exactly two-stage least squares with those
    effects. The variance is each stratum's own (Neyman: s1^2/n1 + s0^2/n0); a cell of one
    child borrows its arm's pooled within-cell variance. Strata without both winners and
    losers say nothing about the offer and are left out (n counts only the children used).
    """
    z = offered
    n1 = np.bincount(strata[z], minlength=k).astype(float)
    n0 = np.bincount(strata[~z], minlength=k).astype(float)
    usable = (n1 > 0) & (n0 > 0)
    if not usable.any():
        return _NOTHING
    m1 = np.bincount(strata[z], weights=values[z], minlength=k) / np.maximum(n1, 1)
    m0 = np.bincount(strata[~z], weights=values[~z], minlength=k) / np.maximum(n0, 1)
    dev = values - np.where(z, m1[strata], m0[strata])
    ss1 = np.bincount(strata[z], weights=dev[z] ** 2, minlength=k)
    ss0 = np.bincount(strata[~z], weights=dev[~z] ** 2, minlength=k)

    def cell_variance(ss, n):
        several = usable & (n >= 2)
        pooled = ss[several].sum() / (n[several] - 1).sum() if several.any() else math.nan
        return np.where(n >= 2, ss / np.maximum(n - 1, 1), pooled)

    u = usable
    w = n1[u] * n0[u] / (n1[u] + n0[u])
    w = w / w.sum()
    a1 = cell_variance(ss1, n1)[u] / n1[u]          # variance of each stratum's winners' mean
    a0 = cell_variance(ss0, n0)[u] / n0[u]
    winners, losers = float(w @ m1[u]), float(w @ m0[u])
    return _Difference(winners - losers, math.sqrt(float(w ** 2 @ (a1 + a0))), int((n1 + n0)[u].sum()),
                       winners, math.sqrt(float(w ** 2 @ a1)), losers, math.sqrt(float(w ** 2 @ a0)))


def _wald(y, d, offered, strata, k):
    """(ITT, first stage, TOT) as (estimate, se, n) each; TOT's se by the delta method.

    The delta method for a ratio a/b is the stratified difference of y - (a/b)*d, over b:
    the usual instrumental-variables sandwich.
    """
    itt = _stratified(y, offered, strata, k)
    first = _stratified(d, offered, strata, k)
    itt3, first3 = (itt.estimate, itt.se, itt.n), (first.estimate, first.se, first.n)
    if not (np.isfinite(itt.estimate) and np.isfinite(first.estimate)) or abs(first.estimate) < 1e-12:
        return itt3, first3, (math.nan, math.nan, itt.n)
    ratio = itt.estimate / first.estimate
    u = _stratified(y - ratio * d, offered, strata, k)
    return itt3, first3, (ratio, u.se / abs(first.estimate), u.n)


# -- effects ------------------------------------------------------------------------------

def lottery_effects(table: pd.DataFrame, outcome: str = "score", confidence: float = 0.9) -> pd.DataFrame:
    """Winners against losers of virtual lotteries: one row per estimate (EFFECT_COLUMNS).

    `quantity` is "winners' mean", "losers' mean", "first stage", "ITT", "TOT" or
    "interaction"; `group` says whose children ("all", "in zone", "outside zone",
    "barrier", "no barrier"); `low`/`high` are the two-sided `confidence` interval
    (normal); `what` says it in plain words. A group without both winners and losers gets
    a row of NaN rather than an error: the table as a whole must have both.
    """
    confidence = _check_confidence(confidence)
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"lottery table must be a pandas DataFrame, not {type(table).__name__}")
    missing = [c for c in (*COLUMNS, outcome) if c not in table.columns]
    if missing:
        raise ValueError(f"lottery table: missing column(s) {', '.join(repr(c) for c in missing)}; "
                         f"needs {', '.join(COLUMNS)} and the outcome column")
    if len(table) == 0:
        raise ValueError("lottery table: no rows; it needs one row per applicant child")
    flags = {c: _flag(table, c) for c in FLAGS}
    y_series = table[outcome]
    if y_series.dtype == bool:
        y_series = y_series.astype(float)
    if not pd.api.types.is_numeric_dtype(y_series):
        raise ValueError(f"lottery table: outcome column '{outcome}' is {y_series.dtype}; "
                         f"it must be numbers or True/False")
    y = y_series.to_numpy(dtype=float)
    if not np.isfinite(y).all():
        raise ValueError(f"lottery table: outcome column '{outcome}' has missing or infinite values")
    if table["replicate"].isna().any():
        raise ValueError("lottery table: column 'replicate' has missing values")
    offered = flags["offered"]
    if not offered.any():
        raise ValueError("lottery table: no winners (column 'offered' is False for every child); "
                         "a lottery needs winners and losers")
    if offered.all():
        raise ValueError("lottery table: no losers (column 'offered' is True for every child); "
                         "a lottery needs winners and losers")
    strata, uniques = pd.factorize(table["replicate"], sort=True)
    k = len(uniques)
    if not np.any(np.bincount(strata[offered], minlength=k) * np.bincount(strata[~offered], minlength=k)):
        raise ValueError("lottery table: no replicate has both winners and losers (column 'offered'); "
                         "each lottery needs both")
    d = flags["attended"].astype(float)
    in_zone, barrier = flags["in_zone"], flags["barrier"]
    everyone = np.ones(len(y), dtype=bool)
    groups = {"all": everyone, "in zone": in_zone, "outside zone": ~in_zone,
              "barrier": barrier, "no barrier": ~barrier}
    z = stats.norm.ppf(0.5 + confidence / 2)
    rows = []

    def row(quantity, group, estimate, se, n, what):
        rows.append((quantity, group, estimate, estimate - z * se, estimate + z * se, se, int(n), confidence, what))

    for name in ("all", "in zone", "outside zone"):
        mask = groups[name]
        side = _stratified(y[mask], offered[mask], strata[mask], k)
        for label, mean, se, who in (("winners' mean", side.winners, side.winners_se, "winners"),
                                     ("losers' mean", side.losers, side.losers_se, "losers")):
            row(label, name, mean, se, int((mask & (offered == (who == "winners"))).sum()),
                f"Mean {outcome} of {who}, {_GROUP_WORDS[name]}, over replicates weighted as in the ITT "
                f"(so winners' minus losers' mean is the ITT)")

    for name, mask in groups.items():
        itt, first, tot = _wald(y[mask], d[mask], offered[mask], strata[mask], k)
        words = _GROUP_WORDS[name]
        row("first stage", name, *first,
            f"Share attending among winners minus among losers, {words} (how far the offer moves attendance)")
        row("ITT", name, *itt,
            f"Offered a seat minus not offered, {words}: the effect of winning the lottery on {outcome}")
        row("TOT", name, *tot,
            f"Effect of attending on {outcome} for children who attend because they won, {words} "
            f"(ITT / first stage)")

    for name in ("all", "barrier", "no barrier"):
        mask = groups[name]
        inside = _stratified(y[mask & in_zone], offered[mask & in_zone], strata[mask & in_zone], k)
        outside = _stratified(y[mask & ~in_zone], offered[mask & ~in_zone], strata[mask & ~in_zone], k)
        se = math.sqrt(inside.se ** 2 + outside.se ** 2)     # disjoint children: independent
        row("interaction", name, inside.estimate - outside.estimate, se, inside.n + outside.n,
            f"Winners' gain in the zone minus winners' gain outside, {_GROUP_WORDS[name]}: what the "
            f"zone's community services add to a seat (ITT in zone minus ITT outside)")

    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))


# -- power --------------------------------------------------------------------------------

def _check_design(sd: float, offered_share: float, in_zone_share: float, alpha: float) -> None:
    if not (np.isfinite(sd) and sd > 0):
        raise ValueError(f"sd={sd!r} must be a positive number (the outcome's standard deviation)")
    for key, value in (("offered_share", offered_share), ("in_zone_share", in_zone_share), ("alpha", alpha)):
        if not (isinstance(value, numbers.Real) and 0.0 < value < 1.0):
            raise ValueError(f"{key}={value!r} is outside (0, 1)")


def _interaction_se(n: float, sd: float, p: float, q: float) -> float:
    """Standard error of (winners - losers in zone) - (winners - losers outside): each of
    the four cells (n*p*q children and so on) adds sd^2 / its size, which sums to this."""
    return sd / math.sqrt(n * p * (1 - p) * q * (1 - q))


def interaction_power(n_applicants: int, effect: float, sd: float, offered_share: float,
                      in_zone_share: float, alpha: float = 0.05) -> float:
    """Chance that a lottery of `n_applicants` finds an offer x zone interaction of `effect`
    (outcome units) at two-sided level `alpha` (normal approximation). `effect` is on
    winners (ITT); for an effect on attenders multiply it by the first stage first."""
    _check_design(sd, offered_share, in_zone_share, alpha)
    if not n_applicants > 0:
        raise ValueError(f"n_applicants={n_applicants!r} must be positive")
    critical = stats.norm.ppf(1 - alpha / 2)
    shift = abs(effect) / _interaction_se(n_applicants, sd, offered_share, in_zone_share)
    return float(stats.norm.cdf(shift - critical) + stats.norm.cdf(-shift - critical))


def applicants_needed(effect: float, sd: float, offered_share: float, in_zone_share: float,
                      power: float = 0.8, alpha: float = 0.05) -> int:
    """Fewest applicants for `interaction_power` to reach `power` (closed form, rounded up)."""
    _check_design(sd, offered_share, in_zone_share, alpha)
    if not (isinstance(power, numbers.Real) and 0.0 < power < 1.0):
        raise ValueError(f"power={power!r} is outside (0, 1)")
    if effect == 0 or not np.isfinite(effect):
        raise ValueError(f"effect={effect!r}: an interaction of zero cannot be detected by any number of applicants")
    p, q = offered_share, in_zone_share
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return max(4, math.ceil((z * sd / effect) ** 2 / (p * (1 - p) * q * (1 - q))))


def simulated_power(n_applicants: int, effect: float, sd: float, offered_share: float,
                    in_zone_share: float, alpha: float = 0.05, n_lotteries: int = 1000,
                    seed: int = 0, school_effect: float = 0.3, zone_effect: float = 0.1) -> float:
    """Share of `n_lotteries` synthetic lotteries in which the interaction is significant.

    Each lottery has round(in_zone_share * n) applicants in the zone and offers
    round(offered_share * n) seats at random; the outcome is school_effect (winners) +
    zone_effect (in zone) + effect (winners in zone) + normal noise of `sd`. The test is
    the one `lottery_effects` makes for one replicate: difference of the two
    winner-loser differences over its cell-variance standard error, against the normal
    critical value. The main effects are there to show they do not matter.
    """
    _check_design(sd, offered_share, in_zone_share, alpha)
    if not n_lotteries >= 1:
        raise ValueError(f"n_lotteries={n_lotteries!r} must be at least 1")
    rng = np.random.default_rng(seed)
    n = int(n_applicants)
    seats, residents = round(offered_share * n), round(in_zone_share * n)
    if min(seats, n - seats) < 4 or min(residents, n - residents) < 4:
        raise ValueError(f"n_applicants={n_applicants!r} is too few for these shares: each of winners, losers, "
                         f"in zone and outside needs at least 4 applicants")
    in_zone = np.arange(n) < residents
    offered = rng.permuted(np.tile(np.arange(n) < seats, (n_lotteries, 1)), axis=1)
    y = (school_effect * offered + zone_effect * in_zone + effect * (offered & in_zone)
         + rng.normal(0.0, sd, (n_lotteries, n)))
    diff, var = np.zeros(n_lotteries), np.zeros(n_lotteries)
    for zone, sign in ((in_zone, 1.0), (~in_zone, -1.0)):
        for won, arm_sign in ((True, 1.0), (False, -1.0)):
            cell = (offered == won) & zone
            size = cell.sum(axis=1)
            mean = np.where(cell, y, 0.0).sum(axis=1) / np.maximum(size, 1)
            ss = np.where(cell, (y - mean[:, None]) ** 2, 0.0).sum(axis=1)
            diff += sign * arm_sign * mean
            var += np.where(size >= 2, ss / np.maximum(size - 1, 1), np.inf) / np.maximum(size, 1)
    significant = np.abs(diff) / np.sqrt(var) > stats.norm.ppf(1 - alpha / 2)
    return float(significant.mean())


def power_curve(effect: float, sd: float, offered_share: float = ASSUMED_OFFERED_SHARE,
                in_zone_share: float = ASSUMED_IN_ZONE_SHARE, alpha: float = 0.05,
                sizes=None) -> pd.DataFrame:
    """Analytic power at each lottery size, for the plot: columns n_applicants, power, and
    the design (effect, sd, offered_share, in_zone_share, alpha) repeated on every row.
    Default sizes run from 50 applicants to past both the 80%-power size and the HCZ lottery."""
    if sizes is None:
        top = max(4 * HCZ_LOTTERY_APPLICANTS, 1000)
        if effect != 0:
            top = max(top, 2 * applicants_needed(effect, sd, offered_share, in_zone_share, alpha=alpha))
        sizes = np.unique(np.geomspace(50, min(top, 10_000_000), 60).round().astype(int))
    sizes = np.asarray(sizes, dtype=int)
    return pd.DataFrame({
        "n_applicants": sizes,
        "power": [interaction_power(int(n), effect, sd, offered_share, in_zone_share, alpha) for n in sizes],
        "effect": effect, "sd": sd, "offered_share": offered_share, "in_zone_share": in_zone_share, "alpha": alpha,
    })


def could_detect(model_effect: float, sd: float, n_evaluation: int = HCZ_LOTTERY_APPLICANTS,
                 offered_share: float = ASSUMED_OFFERED_SHARE, in_zone_share: float = ASSUMED_IN_ZONE_SHARE,
                 alpha: float = 0.05, power: float = 0.8) -> str:
    """One line: could a lottery of the evaluation's size have found the model's interaction?"""
    _check_design(sd, offered_share, in_zone_share, alpha)
    if model_effect == 0:
        return (f"No: the model's interaction is zero, so a lottery of any size (the evaluation's had "
                f"{n_evaluation:,} applicants) would find it only by chance.")
    chance = interaction_power(n_evaluation, model_effect, sd, offered_share, in_zone_share, alpha)
    needed = applicants_needed(model_effect, sd, offered_share, in_zone_share, power, alpha)
    verdict = "Yes" if chance >= power else "No"
    return (f"{verdict}: a lottery of {n_evaluation:,} applicants would find an interaction of "
            f"{model_effect:+.3g} ({model_effect / sd:+.2f} SD) {chance:.0%} of the time; "
            f"{power:.0%} power needs about {needed:,} applicants.")


# -- figure -------------------------------------------------------------------------------

def plot_lottery(effects: pd.DataFrame, power_curve: pd.DataFrame, path,
                 n_evaluation: int = HCZ_LOTTERY_APPLICANTS) -> Path:
    """PNG of three panels: winners' and losers' means in and outside the zone; the ITT,
    TOT and interaction estimates; the power curve with the evaluation's size and the
    model's effect marked. `effects` is `lottery_effects`' table, `power_curve` the table
    of `power_curve`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.results import atomic_write
    from analysis.style import LINESTYLES, OKABE_ITO

    fig, (means_ax, effects_ax, power_ax) = plt.subplots(1, 3, figsize=(15, 4.8))
    try:
        confidence = float(effects["confidence"].iloc[0])
        zones = ["in zone", "outside zone"]
        for shift, who, colour, marker in ((-0.1, "winners", OKABE_ITO[0], "o"), (0.1, "losers", OKABE_ITO[1], "s")):
            rows = effects[effects["quantity"] == f"{who}' mean"].set_index("group").reindex(zones)
            below, above = rows["estimate"] - rows["low"], rows["high"] - rows["estimate"]
            means_ax.errorbar(np.arange(len(zones)) + shift, rows["estimate"], yerr=[below, above],
                              fmt=marker, color=colour, capsize=4, label=who)
        means_ax.set_xticks(range(len(zones)), ["lives in the zone", "lives outside"])
        means_ax.set_xlim(-0.6, len(zones) - 0.4)
        means_ax.set_ylabel("mean outcome")
        means_ax.set_title(f"Winners and losers ({confidence:.0%} intervals)", fontsize=10)
        means_ax.legend(frameon=False)

        shown = [("ITT", g) for g in ("all", "in zone", "outside zone", "barrier", "no barrier")] + \
                [("TOT", "all")] + [("interaction", g) for g in ("all", "barrier", "no barrier")]
        table = effects.set_index(["quantity", "group"])
        labels = [f"{q}: {g}" for q, g in shown]
        for i, key in enumerate(shown):
            if key not in table.index:
                continue
            r = table.loc[key]
            colour = OKABE_ITO[{"ITT": 0, "TOT": 2, "interaction": 3}[key[0]]]
            if not np.isfinite([r["low"], r["high"]]).all():     # no interval: an open marker, said
                effects_ax.plot(r["estimate"], -i, "o", markerfacecolor="none", color=colour)
                labels[i] += " (no interval: too few)"
                continue
            effects_ax.errorbar(r["estimate"], -i, xerr=[[r["estimate"] - r["low"]], [r["high"] - r["estimate"]]],
                                fmt="o", color=colour, capsize=3)
        effects_ax.axvline(0, color="grey", linewidth=0.8)
        effects_ax.set_yticks([-i for i in range(len(shown))], labels, fontsize=8)
        effects_ax.set_xlabel("effect (outcome units)")
        effects_ax.set_title("School effect and the services' interaction", fontsize=10)

        curve = power_curve.sort_values("n_applicants")
        effect = float(curve["effect"].iloc[0])
        power_ax.plot(curve["n_applicants"], curve["power"], color=OKABE_ITO[0], linestyle=LINESTYLES[0], linewidth=2,
                      label=f"interaction of {effect:+.3g} (model)")
        power_ax.axhline(0.8, color="grey", linestyle=LINESTYLES[1], linewidth=1, label="80% power")
        design = curve.iloc[0]
        at_evaluation = interaction_power(n_evaluation, effect, float(design["sd"]), float(design["offered_share"]),
                                          float(design["in_zone_share"]), float(design["alpha"]))
        power_ax.axvline(n_evaluation, color=OKABE_ITO[3], linestyle=LINESTYLES[2], linewidth=1.5,
                         label=f"HCZ lottery size ({n_evaluation:,}): power {at_evaluation:.0%}")
        power_ax.set_xscale("log")
        power_ax.set_ylim(0, 1)
        power_ax.set_xlabel("applicants in the lottery")
        power_ax.set_ylabel("chance of detecting the interaction")
        power_ax.set_title("How big a lottery would see it", fontsize=10)
        power_ax.legend(frameon=False, fontsize=8, loc="upper left")
        fig.tight_layout()
        return atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    finally:
        plt.close(fig)
