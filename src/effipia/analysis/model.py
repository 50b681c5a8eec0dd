"""The « toutes choses égales par ailleurs » model of relation variety (report section 6.2).

The number of distinct categories of partners a respondent relates to
(:func:`effipia.analysis.relations.relation_counts`) is modelled by a count regression on
the respondent's profile: survey group × (member of the consortium or directly concerned by
the PIA). « autre » partners were not asked about the consortium or the PIA and form one
profile. The model is written with one coefficient per profile (``y ~ 0 + C(profile)``):
``exp(b_p)`` is the predicted count of profile ``p``, and the effect of involvement in a
group is the rate ratio ``exp(b_{g,1} - b_{g,0})``.

Family: Poisson, or negative binomial (NB2, dispersion estimated by maximum likelihood)
when the data are significantly overdispersed (likelihood-ratio test of alpha = 0,
boundary-corrected). Standard errors are cluster-robust by campus with the small-sample
factor ``G/(G-1)·(N-1)/(N-K)``, as R's ``sandwich::vcovCL(m, cluster = ~campus, type =
"HC1")`` on ``glm(family = poisson)`` or ``MASS::glm.nb`` (alpha held at its estimate).
Because the model has one coefficient per profile, every one of these has a closed form
(profile means, campus sums of scores, a one-dimensional likelihood in alpha), computed
here by bincounts: statsmodels' formula GLM took 8 s at 320 000 respondents, mostly in
patsy. The tests check the closed form against statsmodels (``GLM`` with
``cov_type="cluster"``, ``NegativeBinomial(loglike_method="nb2")``) and against R.

With control variables (``fit(..., controls=["campus_id", "filiere", …])``) the model is
``y ~ 0 + profile + controls``, fitted with statsmodels on NumPy design matrices, and each
profile's predicted count is averaged over the sample's own control values (average marginal
prediction, « toutes choses égales par ailleurs ») with a delta-method interval; checked
against R (``glm``/``MASS::glm.nb`` + ``vcovCL`` and the same averaging).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from babel.numbers import format_decimal

# pandas, scipy (special, stats, optimize) and statsmodels are imported inside the functions
# that use them: a command pays only for what it uses.

from effipia import nomenclatures
from effipia.analysis.disclosure import DEFAULT_MIN_N
from effipia.analysis.domains import Design, as_design
from effipia.analysis.layout import ENSEMBLE, conform_rows, empty_rows
from effipia.analysis.relations import relation_counts
from effipia.errors import EffipiaError, message

__all__ = ["SATURATED", "CountModel", "Effect", "Profile", "fit", "model_frame", "rows", "spec_name", "summary_fr"]

_Z95 = 1.959963984540054
_NOT_ASKED = "autre"  # survey group not asked about the consortium and the PIA
_CONTROL_PREFIX = "__c_"
#: Name of the saturated specification (one coefficient per profile, no control).
SATURATED = "profile"

@dataclass(frozen=True)
class Profile:
    """Predicted relation variety of one profile (survey group × involvement)."""

    group: str
    involved: int | None  #: 1 member/concerned, 0 neither, None not asked (« autre »)
    n: int
    observed_mean: float
    predicted: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Effect:
    """Rate ratio of involvement (consortium or PIA) inside one survey group."""

    group: str
    irr: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True)
class CountModel:
    """A fitted relation-variety model, as plain values."""

    family: str  #: "poisson" or "negbin"
    family_forced: bool
    alpha: float | None  #: NB2 dispersion (Var = mu + alpha mu²); None for Poisson
    pearson_dispersion: float  #: Pearson chi² / df of the Poisson fit
    overdispersion_p: float  #: LR test of alpha = 0 (boundary-corrected)
    n: int
    n_clusters: int
    params: dict[str, float]
    bse: dict[str, float]
    profiles: list[Profile]
    effects: list[Effect]
    equal_uninvolved_p: float  #: Wald test: same count for every group when not involved
    excluded_profiles: list[str] = field(default_factory=list)
    weighted: bool = False  #: fitted with survey weights (pseudo-likelihood)
    spec: str = SATURATED  #: "profile", or "profile + control + …" (see :func:`spec_name`)
    controls: tuple[str, ...] = ()
    left_out: int = 0  #: respondents left out for a missing control value

    def profile(self, group: str, involved: int | None) -> Profile:
        """The profile of ``group`` with ``involved`` (1, 0, or None for « autre »)."""
        for p in self.profiles:
            if p.group == group and p.involved == involved:
                return p
        raise KeyError((group, involved))

    def effect(self, group: str) -> Effect:
        """The involvement effect of ``group``."""
        for e in self.effects:
            if e.group == group:
                return e
        raise KeyError(group)

    def summary_fr(self) -> str:
        """Readable French summary of the model (one sentence per line, see :func:`summary_fr`)."""
        return summary_fr(_model_rows(self))


#: Statistics-set item of a profile's predicted count, by involvement (None: « autre », not asked).
PROFILE_ITEMS: dict[int | None, str] = {
    1: "predicted_count_involved",
    0: "predicted_count_not_involved",
    None: "predicted_count",
}


def _profile_key(group: str, involved: int | None) -> str:
    return group if involved is None else f"{group}:{involved}"


def model_frame(responses: pl.DataFrame) -> pl.DataFrame:
    """Respondents usable by the model: ``respondent_id, campus_id, category, involved, profile, y``.

    ``involved`` is 1 when ``consortium`` or ``pia_concerned`` is 1, 0 when the answers given
    are all 0, null for « autre » (not asked). Respondents with no relation answer, no campus,
    or (outside « autre ») no consortium/PIA answer are left out.
    """
    for column in ("campus_id", "category"):
        if column not in responses.columns:
            raise EffipiaError("relations.missing_column", column=column)
    counts = relation_counts(responses).rename({"n_categories": "y"})
    carried = [c for c in responses.columns if c == "__w" or c.startswith(_CONTROL_PREFIX)]
    if carried:  # survey weights and control variables carried along by fit()
        counts = counts.with_columns(responses.select(carried))
    flags = [c for c in ("consortium", "pia_concerned") if c in responses.columns]
    if flags:
        involved = (
            pl.when(pl.any_horizontal([(pl.col(c) == 1).fill_null(False) for c in flags]))
            .then(1)
            .when(pl.any_horizontal([pl.col(c).is_not_null() for c in flags]))
            .then(0)
            .otherwise(None)
        )
    else:
        involved = pl.lit(None, dtype=pl.Int64)
    frame = pl.concat(
        [counts, responses.with_columns(involved.cast(pl.Int64).alias("__involved")).select(
            pl.col("__involved").alias("involved"))], how="horizontal"
    ).with_columns(
        pl.when(pl.col("category") == _NOT_ASKED).then(None).otherwise(pl.col("involved")).alias("involved")
    )
    frame = frame.filter(
        pl.col("y").is_not_null()
        & pl.col("campus_id").is_not_null()
        & pl.col("category").is_not_null()
        & ((pl.col("category") == _NOT_ASKED) | pl.col("involved").is_not_null())
    )
    return frame.with_columns(
        pl.when(pl.col("involved").is_null())
        .then(pl.col("category"))
        .otherwise(pl.col("category") + ":" + pl.col("involved").cast(pl.String))
        .alias("profile")
    )


@dataclass(frozen=True)
class _Saturated:
    """Sufficient statistics of the one-coefficient-per-profile count model."""

    profiles: list[str]
    mean: np.ndarray  #: weighted mean count per profile (the MLE of exp(b))
    cov: np.ndarray  #: cluster-robust (HC1) covariance of the log means
    pearson: float  #: Poisson Pearson chi² / residual df
    poisson_llf: float
    weighted: bool
    y_counts: np.ndarray  #: (profile, y) frequency table, for the NB2 likelihood
    y_values: np.ndarray


def _saturated_fit(frame: pl.DataFrame) -> _Saturated:
    """Poisson fit of ``y ~ 0 + profile`` with campus-clustered HC1 covariance, in closed form.

    With var weights ``w``: ``mu_k = Σ_k w y / Σ_k w``; score of unit ``i`` for ``b_k``:
    ``w_i (y_i - mu_k)``; bread ``1 / (mu_k W_k)``; meat ``Σ_g S_g S_g'`` over campus score
    sums; factor ``G/(G-1)·(N-1)/(N-K)`` — statsmodels' ``GLM(...).fit(cov_type="cluster")``
    and R's ``vcovCL(type = "HC1")`` (checked in the tests against both).
    """
    from scipy import special  # imported when a model is fitted (0,2 s), not with the module

    profiles = sorted(frame["profile"].unique().to_list())
    prof = frame["profile"].replace_strict({p: i for i, p in enumerate(profiles)}, return_dtype=pl.Int64).to_numpy()
    _, campus = np.unique(frame["campus_id"].to_numpy().astype(str), return_inverse=True)
    y = frame["y"].cast(pl.Float64).to_numpy()
    weighted = "w" in frame.columns
    w = frame["w"].to_numpy().astype(np.float64) if weighted else np.ones_like(y)
    k, n = len(profiles), y.shape[0]
    n_campus = int(campus.max()) + 1
    wk = np.bincount(prof, weights=w, minlength=k)
    mean = np.bincount(prof, weights=w * y, minlength=k) / wk
    resid = y - mean[prof]
    scores = np.zeros((n_campus, k))
    np.add.at(scores, (campus, prof), w * resid)
    bread = 1.0 / (mean * wk)
    factor = n_campus / (n_campus - 1.0) * (n - 1.0) / (n - k)
    cov = factor * (scores.T @ scores) * np.outer(bread, bread)
    pearson = float(np.sum(w * resid * resid / mean[prof]) / (n - k)) if n > k else float("nan")
    mu = mean[prof]
    llf = float(np.sum(w * (y * np.log(mu) - mu - special.gammaln(y + 1.0))))
    y_int = y.astype(np.int64)
    y_values = np.arange(int(y_int.max()) + 1)
    y_counts = np.bincount(prof * len(y_values) + y_int, minlength=k * len(y_values)).reshape(k, len(y_values))
    return _Saturated(profiles, mean, cov, pearson, llf, weighted, y_counts.astype(np.float64), y_values.astype(np.float64))


def _nb2_alpha(fitted: _Saturated) -> tuple[float, float]:
    """Maximum-likelihood NB2 dispersion ``alpha`` of the saturated model and its
    log-likelihood (unweighted). The profile means are the MLE of the means for every
    ``alpha``, so the likelihood is maximised over ``log alpha`` alone (as
    ``statsmodels``' ``NegativeBinomial(loglike_method="nb2")`` and ``MASS::glm.nb`` do
    jointly), on the (profile, y) frequency table."""
    from scipy import special  # imported when a model is fitted (0,2 s), not with the module

    counts, yv = fitted.y_counts, fitted.y_values[None, :]
    mu = fitted.mean[:, None]
    base = -special.gammaln(yv + 1.0)

    def loglik(log_alpha: float) -> float:
        theta = np.exp(-log_alpha)
        ll = special.gammaln(yv + theta) - special.gammaln(theta) + base + theta * np.log(theta / (theta + mu)) + yv * np.log(mu / (theta + mu))
        return float(np.sum(counts * ll))

    x, fun = _bounded_minimum(lambda a: -loglik(a), -25.0, 8.0, xatol=1e-10)
    if not np.isfinite(fun):
        raise ValueError("NB2 likelihood not finite")
    return float(np.exp(x)), -float(fun)


def _chi2_sf(x: float, df: int) -> float:
    """Upper tail of the chi-squared distribution (the function ``scipy.stats.chi2.sf`` calls)."""
    from scipy import special  # imported when a model is fitted (0,2 s), not with the module

    return float(special.chdtrc(df, x))


def _bounded_minimum(func, lower: float, upper: float, *, xatol: float, maxiter: int = 500) -> tuple[float, float]:
    """Minimum of a one-dimensional function on ``[lower, upper]`` by Brent's bounded method
    (golden section with parabolic steps): the algorithm of ``scipy.optimize.minimize_scalar(
    method="bounded")`` (``_minimize_scalar_bounded``, BSD licence), written out here so that
    fitting the model does not import ``scipy.optimize`` (half a second per command).
    Returns ``(x, f(x))``; same iterates as SciPy's."""
    sqrt_eps = np.sqrt(2.2e-16)
    golden_mean = 0.5 * (3.0 - np.sqrt(5.0))
    a, b = lower, upper
    fulc = a + golden_mean * (b - a)
    nfc, xf = fulc, fulc
    rat = e = 0.0
    fx = func(xf)
    num = 1
    ffulc = fnfc = fx
    xm = 0.5 * (a + b)
    tol1 = sqrt_eps * np.abs(xf) + xatol / 3.0
    tol2 = 2.0 * tol1
    while np.abs(xf - xm) > (tol2 - 0.5 * (b - a)):
        golden = True
        if np.abs(e) > tol1:  # parabolic fit
            golden = False
            r = (xf - nfc) * (fx - ffulc)
            q = (xf - fulc) * (fx - fnfc)
            p = (xf - fulc) * q - (xf - nfc) * r
            q = 2.0 * (q - r)
            if q > 0.0:
                p = -p
            q = np.abs(q)
            r, e = e, rat
            if (np.abs(p) < np.abs(0.5 * q * r)) and (p > q * (a - xf)) and (p < q * (b - xf)):
                rat = (p + 0.0) / q
                x = xf + rat
                if ((x - a) < tol2) or ((b - x) < tol2):
                    rat = tol1 * (np.sign(xm - xf) + ((xm - xf) == 0))
            else:
                golden = True
        if golden:
            e = a - xf if xf >= xm else b - xf
            rat = golden_mean * e
        x = xf + (np.sign(rat) + (rat == 0)) * np.maximum(np.abs(rat), tol1)
        fu = func(x)
        num += 1
        if fu <= fx:
            if x >= xf:
                a = xf
            else:
                b = xf
            fulc, ffulc = nfc, fnfc
            nfc, fnfc = xf, fx
            xf, fx = x, fu
        else:
            if x < xf:
                a = x
            else:
                b = x
            if (fu <= fnfc) or (nfc == xf):
                fulc, ffulc = nfc, fnfc
                nfc, fnfc = x, fu
            elif (fu <= ffulc) or (fulc == xf) or (fulc == nfc):
                fulc, ffulc = x, fu
        xm = 0.5 * (a + b)
        tol1 = sqrt_eps * np.abs(xf) + xatol / 3.0
        tol2 = 2.0 * tol1
        if num >= maxiter:
            break
    return float(xf), float(fx)


def spec_name(controls: list[str] | tuple[str, ...] | None) -> str:
    """Name of a specification: ``"profile"`` or ``"profile + campus_id + filiere"``."""
    return " + ".join([SATURATED, *dict.fromkeys(controls or ())])


#: Columns that define the profile or the count: never controls.
_RESERVED = ("respondent_id", "category", "consortium", "pia_concerned")


def _attach_controls(responses: pl.DataFrame, controls: list[str], campuses: pl.DataFrame | None) -> pl.DataFrame:
    """``responses`` with one ``__c_<name>`` column per control (campus columns joined on ``campus_id``)."""
    if not controls:
        return responses
    campus_columns = [] if campuses is None or "campus_id" not in campuses.columns else [
        c for c in campuses.columns if c != "campus_id"]
    response_columns = [c for c in responses.columns if c not in _RESERVED and not c.startswith("__")]
    columns = []
    for name in controls:
        if name in response_columns:
            expr = pl.col(name)
        elif name in campus_columns:
            mapping = dict(zip(campuses["campus_id"].cast(pl.String).to_list(), campuses[name].to_list(), strict=True))
            expr = pl.col("campus_id").cast(pl.String).replace_strict(
                mapping, default=None, return_dtype=campuses.schema[name])
        else:
            available = sorted({"campus_id", *campus_columns, *(c for c in response_columns if not c.startswith("rel_"))})
            raise EffipiaError("model.unknown_control", name=name, available=", ".join(available))
        columns.append(expr.alias(_CONTROL_PREFIX + name))
    return responses.with_columns(columns)


@dataclass(frozen=True)
class _Path:
    """What either fitting path gives back: profile coefficients and covariance, predictions."""

    family: str
    alpha: float | None
    pearson: float
    overdispersion_p: float
    params: dict[str, float]
    cov: np.ndarray  #: cluster-robust covariance of the profile coefficients (order of ``params``)
    log_predicted: dict[str, float]
    se_log_predicted: dict[str, float]


def _choose(family: str, alpha: float | None, lr_p: float, level: float) -> str:
    chosen = family
    if family == "auto":
        chosen = "negbin" if (alpha is not None and alpha > 1e-8 and lr_p < level) else "poisson"
    if chosen == "negbin" and alpha is None:
        raise EffipiaError("model.no_data")
    return chosen


def _closed_form_path(frame: pl.DataFrame, family: str, level: float) -> _Path:
    """The saturated specification in closed form (see :func:`_saturated_fit`)."""
    fitted = _saturated_fit(frame)
    alpha, lr_p = None, 1.0
    try:
        alpha, nb_llf = _nb2_alpha(fitted)
        lr = max(2.0 * (nb_llf - fitted.poisson_llf), 0.0) if not fitted.weighted else 0.0
        lr_p = 0.5 * _chi2_sf(lr, 1) if lr > 0 else 1.0
    except (FloatingPointError, ValueError):
        alpha, lr_p = None, 1.0
    chosen = _choose(family, alpha, lr_p, level)
    # one coefficient per profile: the Poisson and NB2 (alpha fixed) MLEs are both the profile
    # means, and their cluster sandwiches coincide (the NB factor 1/(1+alpha·mu) is constant
    # within a profile and cancels between bread and meat)
    b = dict(zip(fitted.profiles, np.log(fitted.mean).tolist(), strict=True))
    se = {k: float(np.sqrt(fitted.cov[j, j])) for j, k in enumerate(b)}
    return _Path(chosen, alpha, fitted.pearson, lr_p, b, fitted.cov, b, se)


def _design(frame: pl.DataFrame, controls: list[str]) -> tuple[np.ndarray, list[str], int]:
    """Design matrix ``[profile dummies | controls]`` (NumPy, no patsy), its column names and
    the number of profiles. Numeric controls are centred and scaled (predictions do not
    change); columns aliased with earlier ones are dropped (unpivoted QR, R's tolerance 1e-7)."""
    profiles = sorted(frame["profile"].unique().to_list())
    codes = frame["profile"].replace_strict({p: i for i, p in enumerate(profiles)}, return_dtype=pl.Int64).to_numpy()
    blocks, names = [np.eye(len(profiles))[codes]], list(profiles)
    for name in controls:
        column = frame[_CONTROL_PREFIX + name]
        if column.dtype.is_numeric():
            x = column.cast(pl.Float64).to_numpy()
            sd = x.std()
            if sd > 0:
                blocks.append(((x - x.mean()) / sd)[:, None])
                names.append(name)
        else:
            levels, level_codes = np.unique(column.cast(pl.String).to_numpy().astype(str), return_inverse=True)
            blocks.append(np.eye(len(levels))[level_codes][:, 1:])
            names.extend(f"{name}[{level}]" for level in levels[1:])
    x = np.hstack(blocks)
    r = np.linalg.qr(x / np.linalg.norm(x, axis=0), mode="r")
    keep = np.abs(np.diag(r)) > 1e-7
    keep[: len(profiles)] = True
    return x[:, keep], [n for n, k in zip(names, keep, strict=True) if k], len(profiles)


def _collapse(x: np.ndarray, y: np.ndarray, w: np.ndarray | None, groups: np.ndarray):
    """Identical respondents (same design row, count, weight and campus) as one row with a
    frequency: ``(x, y, w, groups, freq)``. Campus is in the key, so every collapsed row lies
    in one cluster and the campus score sums are unchanged."""
    columns = np.column_stack([x, y, groups] + ([] if w is None else [w]))
    keyed = pl.DataFrame(columns).with_row_index("__row")
    unique = keyed.group_by([c for c in keyed.columns if c != "__row"]).agg(
        pl.col("__row").first(), pl.len().alias("__freq")).sort("__row")
    rows = unique["__row"].to_numpy()
    freq = unique["__freq"].to_numpy().astype(np.float64)
    return x[rows], y[rows], None if w is None else w[rows], groups[rows], freq


def _cluster_cov(result, groups: np.ndarray, n_obs: float) -> np.ndarray:
    """Campus-clustered HC1 covariance of a statsmodels GLM fit with the EXPECTED information
    as bread, as R's ``sandwich::vcovCL(type = "HC1")`` on ``glm``/``glm.nb``: statsmodels'
    ``fit(cov_type="cluster")`` takes the observed Hessian, which differs for the NB2 log link
    (6 % on the standard errors of the campus fixed-effects golden test), and counts collapsed
    rows, not respondents. Scores and information include the frequency and variance weights;
    factor ``G/(G-1)·(N-1)/(N-K)`` with ``N`` respondents."""
    params = np.asarray(result.params)
    bread = np.linalg.inv(result.model.hessian(params, observed=False))
    scores = np.zeros((int(groups.max()) + 1, params.size))
    np.add.at(scores, groups, result.model.score_obs(params))
    n_groups, k = scores.shape[0], params.size
    factor = n_groups / (n_groups - 1.0) * (n_obs - 1.0) / (n_obs - k)
    return factor * bread @ (scores.T @ scores) @ bread


def _controlled_fit(frame: pl.DataFrame, controls: list[str], family: str, level: float) -> _Path:
    """``y ~ 0 + profile + controls`` with statsmodels; average marginal predictions per profile.

    The GLMs run on identical respondents collapsed into frequency-weighted rows (a few
    thousand rows at national size); the NB2 dispersion, which statsmodels' discrete
    ``NegativeBinomial`` estimates without frequency weights, on every respondent."""
    import warnings

    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        HessianInversionWarning,
    )

    x_all, names, k = _design(frame, controls)
    y_all = frame["y"].cast(pl.Float64).to_numpy()
    w_all = frame["w"].to_numpy().astype(np.float64) if "w" in frame.columns else None
    _, groups_all = np.unique(frame["campus_id"].to_numpy().astype(str), return_inverse=True)
    x, y, w, groups, freq = _collapse(x_all, y_all, w_all, groups_all)
    n_obs = float(y_all.size)

    def glm(fam):
        return sm.GLM(y, x, family=fam, freq_weights=freq, var_weights=w).fit()

    poisson = glm(sm.families.Poisson())
    pearson = float(poisson.pearson_chi2 / poisson.df_resid) if poisson.df_resid > 0 else float("nan")
    alpha, lr_p = None, 1.0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", (ConvergenceWarning, HessianInversionWarning, RuntimeWarning))
            nb = sm.NegativeBinomial(y_all, x_all, loglike_method="nb2", check_rank=False).fit(
                start_params=np.append(poisson.params, 0.1), method="newton", disp=0, maxiter=200)
        alpha = float(nb.params[-1])
        if not (np.isfinite(alpha) and alpha > 0 and np.isfinite(nb.llf)):
            alpha = None
        elif w is None:  # the LR test needs the (unweighted) likelihoods
            lr = max(2.0 * (float(nb.llf) - float(poisson.llf)), 0.0)
            lr_p = 0.5 * _chi2_sf(lr, 1) if lr > 0 else 1.0
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        alpha = None
    chosen = _choose(family, alpha, lr_p, level)
    final = glm(sm.families.NegativeBinomial(alpha=alpha)) if chosen == "negbin" else poisson
    b, v = np.asarray(final.params), _cluster_cov(final, groups, n_obs)
    profiles = names[:k]
    # average marginal prediction of profile p: mean_i exp(b_p + z_i c) = exp(b_p) · M with
    # M = mean_i exp(z_i c); gradient of its log: e_p on the profiles, mean(m z) / M on c
    ww = freq if w is None else freq * w
    m = np.exp(x[:, k:] @ b[k:])
    big_m = float(np.sum(ww * m) / ww.sum())
    grad_c = (ww * m) @ x[:, k:] / ww.sum() / big_m
    log_pred, se_log = {}, {}
    for j, p in enumerate(profiles):
        h = np.concatenate([np.eye(k)[j], grad_c])
        log_pred[p] = float(b[j] + np.log(big_m))
        se_log[p] = float(np.sqrt(max(h @ v @ h, 0.0)))
    params = dict(zip(profiles, b[:k].tolist(), strict=True))
    return _Path(chosen, alpha, pearson, lr_p, params, v[:k, :k], log_pred, se_log)


def fit(
    responses: pl.DataFrame,
    *,
    family: str = "auto",
    weights=None,
    min_n: int = DEFAULT_MIN_N,
    level: float = 0.05,
    controls: list[str] | tuple[str, ...] | None = None,
    campuses: pl.DataFrame | None = None,
    engine: str = "auto",
) -> CountModel:
    """Fit the relation-variety count model on a response frame.

    ``controls``: None or empty for the saturated specification ``y ~ 0 + profile``, fitted
    in closed form (predictions are the profile means). Otherwise the names of control
    variables: ``"campus_id"`` (campus fixed effects), a column of ``responses`` (e.g.
    ``"partner_type"``) or of ``campuses`` (joined on ``campus_id``: ``"filiere"``,
    ``"duration_years"``…). Text columns enter as categories (first level in sorted order as
    reference), numeric ones linearly; a column aliased with the profiles or with earlier
    controls is dropped (as R's ``glm`` gives it ``NA``). The model ``y ~ 0 + profile +
    controls`` is fitted with statsmodels (``GLM``, and ``NegativeBinomial(loglike_method=
    "nb2")`` for alpha), and each profile's prediction is averaged over the sample's own
    control values (average marginal prediction, « toutes choses égales par ailleurs »)
    with a delta-method interval on the log scale. Respondents with a missing control value
    are left out (counted in ``left_out``). ``params``/``bse`` are then the profile
    coefficients at the reference level of the categorical controls and the mean of the
    numeric ones.

    ``family``: ``"auto"`` (Poisson unless the LR test of overdispersion rejects at
    ``level``), ``"poisson"`` or ``"negbin"``. ``weights``: optional survey weights (a
    column name of ``responses`` or an array aligned with it), used as variance weights
    (pseudo-likelihood; respondents of weight 0 are left out); with weights the overdispersion
    LR test is not defined, so ``"auto"`` keeps Poisson (its cluster-robust intervals stay
    valid under overdispersion) unless ``"negbin"`` is asked. Profiles with fewer than
    ``min_n`` respondents, or with no relation at all, are left out of the fit (listed in
    ``excluded_profiles``).
    """
    if family not in ("auto", "poisson", "negbin"):
        raise EffipiaError("model.unknown_family", family=family)
    if weights is not None:
        w_all = (
            responses[weights].cast(pl.Float64).to_numpy()
            if isinstance(weights, str)
            else np.asarray(weights, dtype=np.float64)
        )
        # Normalised to mean 1 over the positive weights: estimates and the sandwich do not
        # depend on the scale, the Pearson dispersion does.
        positive = w_all[np.isfinite(w_all) & (w_all > 0)]
        scale = positive.mean() if positive.size else 1.0
        responses = responses.with_columns(pl.Series("__w", np.nan_to_num(w_all / scale, nan=0.0)))
    controls = list(dict.fromkeys(controls or ()))
    responses = _attach_controls(responses, controls, campuses)
    frame = model_frame(responses)
    if weights is not None:
        frame = frame.rename({"__w": "w"}).filter(pl.col("w") > 0)
    left_out = 0
    if controls:
        complete = frame.filter(pl.all_horizontal([pl.col(_CONTROL_PREFIX + c).is_not_null() for c in controls]))
        left_out, frame = frame.height - complete.height, complete
    stats_by_profile = frame.group_by("profile").agg(pl.len().alias("n"), pl.col("y").sum().alias("s"))
    small = stats_by_profile.filter((pl.col("n") < min_n) | (pl.col("s") == 0))["profile"].to_list()
    frame = frame.filter(~pl.col("profile").is_in(small))
    if frame.height == 0:
        raise EffipiaError("model.no_data")
    n_clusters = frame["campus_id"].n_unique()
    if n_clusters < 2:
        raise EffipiaError("model.too_few_clusters", clusters=n_clusters)

    if controls or engine == "statsmodels":
        path = _controlled_fit(frame, list(controls), family, level)
    else:
        path = _closed_form_path(frame, family, level)
    b, log_pred, se_log = path.params, path.log_predicted, path.se_log_predicted
    at = {k: j for j, k in enumerate(b)}  # row of each profile in path.cov

    def cov(k1: str, k0: str) -> float:
        return float(path.cov[at[k1], at[k0]])

    se = {k: float(np.sqrt(cov(k, k))) for k in b}

    observed = frame.group_by("profile").agg(pl.len().alias("n"), pl.col("y").mean().alias("mean"))
    obs = {r["profile"]: (r["n"], r["mean"]) for r in observed.iter_rows(named=True)}
    order = nomenclatures.codes("survey_groups")
    profiles: list[Profile] = []
    for g in order:
        for inv in ((None,) if g == _NOT_ASKED else (0, 1)):
            key = _profile_key(g, inv)
            if key not in b:
                continue
            profiles.append(
                Profile(
                    group=g,
                    involved=inv,
                    n=int(obs[key][0]),
                    observed_mean=float(obs[key][1]),
                    predicted=float(np.exp(log_pred[key])),
                    ci_low=float(np.exp(log_pred[key] - _Z95 * se_log[key])),
                    ci_high=float(np.exp(log_pred[key] + _Z95 * se_log[key])),
                )
            )

    from scipy import special  # imported when a model is fitted (0,2 s), not with the module

    effects: list[Effect] = []
    for g in order:
        k1, k0 = _profile_key(g, 1), _profile_key(g, 0)
        if k1 in b and k0 in b:
            d = b[k1] - b[k0]
            v = cov(k1, k1) + cov(k0, k0) - 2 * cov(k1, k0)
            s = float(np.sqrt(max(v, 0.0)))
            p = float(2 * special.ndtr(-abs(d) / s)) if s > 0 else float("nan")  # = 2 scipy.stats.norm.sf
            effects.append(Effect(g, float(np.exp(d)), float(np.exp(d - _Z95 * s)), float(np.exp(d + _Z95 * s)), p))

    uninvolved = [_profile_key(g, 0) for g in order if _profile_key(g, 0) in b]
    equal_p = float("nan")
    if len(uninvolved) >= 2:
        vec = np.array([b[k] for k in uninvolved])
        rows = [at[k] for k in uninvolved]
        sub = path.cov[np.ix_(rows, rows)]
        contrast = np.zeros((len(uninvolved) - 1, len(uninvolved)))
        contrast[:, 0] = -1.0
        contrast[np.arange(len(uninvolved) - 1), np.arange(1, len(uninvolved))] = 1.0
        diff = contrast @ vec
        wald = float(diff @ np.linalg.pinv(contrast @ sub @ contrast.T) @ diff)
        equal_p = _chi2_sf(wald, len(uninvolved) - 1)

    return CountModel(
        family=path.family,
        family_forced=family != "auto",
        alpha=path.alpha if path.family == "negbin" else None,
        pearson_dispersion=path.pearson,
        overdispersion_p=path.overdispersion_p,
        n=frame.height,
        n_clusters=n_clusters,
        params=b,
        bse=se,
        profiles=profiles,
        effects=effects,
        equal_uninvolved_p=equal_p,
        excluded_profiles=sorted(small),
        weighted=weights is not None,
        spec=spec_name(controls),
        controls=tuple(controls or ()),
        left_out=left_out,
    )


def _fr(x: float, digits: int = 1) -> str:
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(x, format=pattern, locale="fr_FR")


def _fr_p(p: float) -> str:
    if np.isnan(p):
        return "n.d."
    return "< 0,001" if p < 0.001 else "= " + _fr(p, 3)


def _model_rows(model: CountModel) -> pl.DataFrame:
    records: list[dict] = []

    def add(item, unit, estimate, *, group=ENSEMBLE, answer=None, n=None, low=None, high=None, suppressed=False):
        records.append(
            {
                "statistic": "model_relations", "item": item, "answer": answer, "group": group, "campus": ENSEMBLE,
                "estimate": estimate, "n": n, "ci_low": low, "ci_high": high, "suppressed": suppressed, "unit": unit,
                "domain": "ensemble" if group == ENSEMBLE else "group", "spec": model.spec,
            }
        )

    for p in model.profiles:
        add(PROFILE_ITEMS[p.involved], "count", p.predicted, group=p.group, n=p.n, low=p.ci_low, high=p.ci_high)
    for key in model.excluded_profiles:
        group, _, inv = key.partition(":")
        add(PROFILE_ITEMS[int(inv) if inv else None], "count", None, group=group, suppressed=True)
    for e in model.effects:
        n = sum(p.n for p in model.profiles if p.group == e.group)
        add("rate_ratio", "ratio", e.irr, group=e.group, n=n, low=e.ci_low, high=e.ci_high)
        add("rate_ratio_p_value", "p_value", e.p_value, group=e.group, n=n)
    add(f"family_{model.family}", "indicator", 1.0, n=model.n)
    add("family_forced", "indicator", float(model.family_forced), n=model.n)
    add("weighted", "indicator", float(model.weighted), n=model.n)
    add("clusters", "count", float(model.n_clusters), n=model.n)
    if model.controls:
        add("left_out_missing_controls", "count", float(model.left_out), n=model.n)
    add("pearson_dispersion", "ratio", model.pearson_dispersion, n=model.n)
    add("overdispersion_p_value", "p_value", model.overdispersion_p, n=model.n)
    if model.alpha is not None:
        add("alpha", "coefficient", model.alpha, n=model.n)
    if not np.isnan(model.equal_uninvolved_p):
        add("equal_uninvolved_p_value", "p_value", model.equal_uninvolved_p, n=model.n)
    from effipia.analysis.relations import title

    return conform_rows(pl.DataFrame(records, infer_schema_length=None)).with_columns(
        pl.lit(title("model_relations")).alias("title")
    )


def _control_label(name: str) -> str:
    try:
        return message(f"model.control_{name}")
    except KeyError:  # a column without a catalogued label is named as it is
        return message("model.control_other", name=name)


def summary_fr(statistics: pl.DataFrame) -> str:
    """Readable French summary of the model from its statistics-set rows alone.

    ``statistics``: the statistics set (or just its ``model_relations`` rows). One sentence
    per line: the model, its specification (controls, if any), the family choice, each profile's predicted count, each group's
    involvement effect, the test of equal variety when not involved. Empty string when the
    set holds no model.
    """
    m = statistics.filter(pl.col("statistic") == "model_relations")

    def one(item: str):
        part = m.filter(pl.col("item") == item)
        return part.row(0, named=True) if part.height else None

    fitted = [f for f in ("poisson", "negbin") if one(f"family_{f}") is not None]
    if not fitted:
        return ""
    family = fitted[0]
    fam = one(f"family_{family}")

    def flag(item: str) -> bool:
        row = one(item)
        return row is not None and row["estimate"] == 1.0

    labels = nomenclatures.labels("survey_groups")
    lines = [message("model.summary_head", family=message(f"model.family_{family}"), n=_fr(fam["n"], 0),
                     clusters=int(one("clusters")["estimate"]))]
    if flag("family_forced"):
        choice = message("model.choice_forced")
    elif flag("weighted"):
        choice = message("model.choice_weighted")
    elif family == "negbin":
        choice = message("model.choice_negbin", p=_fr_p(one("overdispersion_p_value")["estimate"]),
                         alpha=_fr(one("alpha")["estimate"], 3))
    else:
        choice = message("model.choice_poisson")
    spec = SATURATED
    if "spec" in m.columns and m["spec"].drop_nulls().len():
        spec = m["spec"].drop_nulls()[0]
    controls = spec.split(" + ")[1:]
    if controls:
        left = one("left_out_missing_controls")
        lines.append(message("model.summary_spec_controls", controls=", ".join(_control_label(c) for c in controls),
                             left_out=_fr(left["estimate"] if left else 0, 0)))
    else:
        lines.append(message("model.summary_spec_saturated"))
    lines.append(message("model.summary_dispersion", dispersion=_fr(one("pearson_dispersion")["estimate"], 2),
                         choice=choice))
    order = {g: i for i, g in enumerate(nomenclatures.codes("survey_groups"))}
    status_of = {item: f"status_{key}" for key, item in
                 (("not_asked", PROFILE_ITEMS[None]), ("not_involved", PROFILE_ITEMS[0]), ("involved", PROFILE_ITEMS[1]))}
    position = {item: i for i, item in enumerate(status_of)}
    profiles = m.filter(pl.col("item").is_in(list(status_of)) & ~pl.col("suppressed")).sort(
        pl.col("group").replace_strict(order, default=len(order)),
        pl.col("item").replace_strict(position, default=len(position)))
    for p in profiles.iter_rows(named=True):
        status = status_of[p["item"]]
        lines.append(message("model.summary_profile", group=labels.get(p["group"], p["group"]),
                             status=message(f"model.{status}"), estimate=_fr(p["estimate"]), low=_fr(p["ci_low"]),
                             high=_fr(p["ci_high"]), n=_fr(p["n"], 0)))
    pvals = {r["group"]: r["estimate"] for r in m.filter(pl.col("item") == "rate_ratio_p_value").iter_rows(named=True)}
    effects = m.filter(pl.col("item") == "rate_ratio").sort(pl.col("group").replace_strict(order, default=len(order)))
    for e in effects.iter_rows(named=True):
        p = pvals[e["group"]]
        lines.append(message("model.summary_effect", group=labels.get(e["group"], e["group"]), irr=_fr(e["estimate"], 2),
                             low=_fr(e["ci_low"], 2), high=_fr(e["ci_high"], 2),
                             significance=message("model.significant" if p < 0.05 else "model.not_significant"),
                             p=_fr_p(p)))
    equal = one("equal_uninvolved_p_value")
    if equal is not None:
        verdict = "model.equal_rejected" if equal["estimate"] < 0.05 else "model.equal_kept"
        lines.append(message("model.summary_equal", verdict=message(verdict), p=_fr_p(equal["estimate"])))
    return "\n".join(lines)


def rows(
    responses: pl.DataFrame,
    *,
    partners: pl.DataFrame | None = None,
    campuses: pl.DataFrame | None = None,
    weights=None,
    design: Design | None = None,
    min_n: int = DEFAULT_MIN_N,
    family: str = "auto",
    model_controls: list[str] | tuple[str, ...] | None = None,
    warnings: list | None = None,
) -> pl.DataFrame:
    """Statistics-set rows ``model_relations`` (layout of :mod:`effipia.analysis.layout`).

    ``answer`` is always empty (no estimate here is the share of an answer). One row per
    profile (unit ``count``), ``group`` = survey group, ``item`` =
    ``"predicted_count_involved"`` (member of the consortium or concerned by the PIA),
    ``"predicted_count_not_involved"``, or ``"predicted_count"`` for « autre » (not asked):
    the predicted count with its 95 % interval and ``n`` respondents; profiles below
    ``min_n`` respondents come out suppressed. ``item = "rate_ratio"`` (unit ``ratio``) per
    group: effect of involvement, with ``"rate_ratio_p_value"`` (unit ``p_value``).
    Whole-model rows (``group`` = ensemble): ``"family_poisson"`` or ``"family_negbin"``
    (estimate 1), ``"family_forced"`` and ``"weighted"`` (unit ``indicator``: 1 when the
    family was imposed, when the fit is weighted; else 0), ``"clusters"`` (number of campuses),
    ``"pearson_dispersion"``, ``"overdispersion_p_value"``, ``"alpha"`` (NB2 only),
    ``"equal_uninvolved_p_value"`` (Wald test of one count for every group when not
    involved); with controls, ``"left_out_missing_controls"`` (respondents without a control
    value). Every row carries the extra column ``spec`` naming the specification
    (:func:`spec_name`: ``"profile"``, or ``"profile + campus_id + …"`` for
    ``model_controls``, whose predictions are average marginal predictions, see :func:`fit`).
    :func:`summary_fr` turns these rows into the French summary. Empty when the relation
    items are absent or the model cannot be fitted (then ``warnings``, a list of
    :class:`effipia.results.Warning`, receives why); an unknown control is an error.
    """
    from effipia.analysis.relations import relation_items

    if not relation_items(responses):
        return empty_rows()
    controls = list(model_controls or ())
    _attach_controls(responses.head(0), controls, campuses)  # an unknown control is the user's error
    try:
        model = fit(responses, family=family, weights=as_design(weights, design).weights, min_n=min_n,
                    controls=controls, campuses=campuses)
    except EffipiaError as exc:
        if exc.code == "model.unknown_control":
            raise
        if warnings is not None:
            from effipia.results import Warning

            warnings.append(Warning.of("analysis_warnings.model_not_fitted", statistic="model_relations",
                                       producer="model", reason=str(exc)))
        return empty_rows()
    return _model_rows(model)
