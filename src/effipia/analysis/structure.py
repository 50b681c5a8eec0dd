"""Structure of the partnerships and of the campuses (report chapter 1, section 6.1).

From the partner directory (canonical partner columns) and the campus registry:

* ``structure_partnership`` / ``structure_consortium`` — partners by analysis category
  (nomenclature ``consortium_categories``) in the whole partnership and in the consortia
  (Figure 1, Illustration 3);
* ``structure_naf`` — partner companies by NAF rév. 2 section; ``structure_size`` — by size
  category (TPE, PME, ETI, GE from the Sirene size class);
* ``structure_size_reweighted`` — partner companies by size band, raw and reweighted so that
  their sector mix matches all French companies', beside the national distribution
  (Figure 2), from the INSEE national counts by sector × size band
  (:func:`effipia.reference.insee.company_counts`, replaceable by the user);
* ``structure_campuses`` — campuses by filière, region, duration, and the PIA amounts.

Every code is read by the reference stage's rules, the same as the territories stage's:
the analysis category is the one the store keeps with each partner (``analysis_category``
of ``Store.partners()``; computed by :func:`effipia.reference.partners.analysis_categories`
only for a frame that lacks it), NAF codes by :mod:`effipia.reference.naf`, size classes
(« NN » included) by :mod:`effipia.reference.sizes`.

Partner directories are exhaustive lists, not samples: shares come from the shared engine
(:func:`effipia.analysis.shares.share_rows`, for the layout and the minimum-count rule) but
their sampling intervals are left empty.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from effipia import nomenclatures
from effipia.analysis.disclosure import DEFAULT_MIN_N
from effipia.analysis.layout import ENSEMBLE, conform_rows, empty_rows
from effipia.analysis.relations import title
from effipia.analysis.shares import share_rows
from effipia.reference.insee import SECTOR_SIZE_FILE, company_counts
from effipia.reference.naf import naf_divisions_of, naf_sections_of
from effipia.reference.partners import analysis_categories
from effipia.reference.sizes import SIZE_GROUPS, class_bounds, size_bounds, size_classes_of, size_groups_of

__all__ = [
    "DEFAULT_REFERENCE",
    "load_reference",
    "partner_categories",
    "naf_section",
    "size_bounds",
    "naf_weights",
    "partnership_rows",
    "companies_per_campus_rows",
    "consortium_rows",
    "naf_rows",
    "size_rows",
    "size_reweighted_rows",
    "campuses_rows",
    "rows",
]

#: Shipped reference of national enterprise counts by sector × size band (see its README).
DEFAULT_REFERENCE = SECTOR_SIZE_FILE
_COMPANY = "entreprise"
_STRUCTURE_DOMAINS = ("ensemble", "campus")

# The rules live in the reference stage; these names are kept for existing callers.
load_reference = company_counts
naf_section = naf_sections_of


def _title(statistic: str) -> str:
    return title(statistic)


# --------------------------------------------------------------------------- partner coding
def partner_categories(partners: pl.DataFrame) -> pl.Series:
    """Analysis category of each partner: the stored ``analysis_category`` when the frame has
    it (``Store.partners()``), else the reference rule
    (:func:`effipia.reference.partners.analysis_categories`)."""
    if "analysis_category" in partners.columns:
        return partners["analysis_category"].cast(pl.String)
    return analysis_categories(partners)


def _band_of(size_classes: pl.Series, reference: pl.DataFrame) -> pl.Series:
    """Reference size band of each Sirene size class (null when unknown or across bands)."""
    bands = reference.select("size_band", "size_min", "size_max").unique(maintain_order=True).rows()
    band_of_class = {}
    for code, (lo_c, hi_c) in class_bounds().items():
        band_of_class[code] = next((name for name, lo, hi in bands if lo_c >= lo and hi_c <= hi), None)
    return size_classes_of(size_classes).replace_strict(band_of_class, default=None, return_dtype=pl.String)


# --------------------------------------------------------------------------- shares
def _coded_shares(
    frame: pl.DataFrame,
    values: pl.Series | list,
    codes: Sequence[str],
    *,
    statistic: str,
    item: str,
    weights=None,
    min_n: int = DEFAULT_MIN_N,
    domains: Sequence[str] = _STRUCTURE_DOMAINS,
    census: bool = True,
) -> pl.DataFrame:
    """Shares of text ``values`` (one per row of ``frame``) over ``codes``, via ``share_rows``."""
    position = {c: i + 1 for i, c in enumerate(codes)}
    text = values if isinstance(values, pl.Series) else pl.Series(list(values), dtype=pl.String)
    coded = text.cast(pl.String).replace_strict(position, default=None, return_dtype=pl.Int64).alias("__code")
    work = frame.with_columns(coded)
    if "category" not in work.columns:
        work = work.with_columns(pl.lit(None, dtype=pl.String).alias("category"))
    out = share_rows(work, ["__code"], statistic=statistic, answers=list(range(1, len(codes) + 1)),
                     domains=domains, weights=weights, min_n=min_n, title=_title(statistic))
    out = out.with_columns(
        pl.lit(item).alias("item"),
        pl.col("answer").replace_strict({str(i + 1): c for i, c in enumerate(codes)}, return_dtype=pl.String).alias("answer"),
    )
    if census:
        out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in ("ci_low", "ci_high", "se"))
    return out


def partnership_rows(partners: pl.DataFrame, *, min_n: int = DEFAULT_MIN_N, where: pl.Expr | None = None,
                     statistic: str = "structure_partnership") -> pl.DataFrame:
    """Rows ``structure_partnership``: partners by analysis category (percent), ensemble and per campus."""
    if partners is None or partners.height == 0:
        return empty_rows()
    frame = partners if where is None else partners.filter(where.fill_null(False))
    if frame.height == 0:
        return empty_rows()
    codes = nomenclatures.load("consortium_categories").sort(pl.col("order").cast(pl.Int64))["code"].to_list()
    return _coded_shares(frame, partner_categories(frame), codes, statistic=statistic, item="analysis_category",
                         min_n=min_n)


def companies_per_campus_rows(partners: pl.DataFrame, campuses: pl.DataFrame | None = None) -> pl.DataFrame:
    """Rows ``structure_partnership``, ``item = "companies_per_campus_<figure>"`` (unit ``count``,
    ``answer`` empty): ``mean``, ``sd`` (n - 1), ``min`` and ``max`` of the number of partner
    companies per campus
    (section 6.1: « la moyenne est de treize structures, mais l'écart-type est de huit »).
    Campuses of the registry without any company count as 0."""
    if partners is None or "campus_id" not in partners.columns:
        return empty_rows()
    counts = _companies(partners).group_by("campus_id").len()
    ids = set(partners["campus_id"].drop_nulls().to_list())
    if campuses is not None and "campus_id" in campuses.columns:
        ids |= set(campuses["campus_id"].drop_nulls().to_list())
    per = dict(counts.rows())
    values = pl.Series([float(per.get(c, 0)) for c in sorted(ids)], dtype=pl.Float64)
    if values.len() == 0:
        return empty_rows()
    figures = {"mean": values.mean(), "sd": values.std(), "min": values.min(), "max": values.max()}
    return conform_rows(pl.DataFrame(
        dict(statistic="structure_partnership", item=[f"companies_per_campus_{f}" for f in figures], answer=None,
             group=ENSEMBLE, campus=ENSEMBLE, estimate=[None if v is None else float(v) for v in figures.values()],
             n=values.len(), unit="count", domain="ensemble", title=_title("structure_partnership")),
        schema_overrides={"estimate": pl.Float64, "answer": pl.String},
    ))


def consortium_rows(partners: pl.DataFrame, *, min_n: int = DEFAULT_MIN_N) -> pl.DataFrame:
    """Rows ``structure_consortium``: consortium members (``consortium`` = 1) by analysis category."""
    if partners is None or "consortium" not in partners.columns:
        return empty_rows()
    return partnership_rows(partners, min_n=min_n, where=pl.col("consortium") == 1, statistic="structure_consortium")


def _companies(partners: pl.DataFrame | None) -> pl.DataFrame:
    if partners is None or "category" not in partners.columns:
        return pl.DataFrame()
    return partners.filter(pl.col("category") == _COMPANY)


def naf_rows(partners: pl.DataFrame, *, min_n: int = DEFAULT_MIN_N) -> pl.DataFrame:
    """Rows ``structure_naf``: partner companies by NAF rév. 2 section (percent, known NAF only)."""
    companies = _companies(partners)
    if companies.height == 0 or "naf" not in companies.columns:
        return empty_rows()
    codes = nomenclatures.codes("naf_sections", "section")
    return _coded_shares(companies, naf_sections_of(companies["naf"]), codes, statistic="structure_naf",
                         item="naf_section", min_n=min_n)


def size_rows(partners: pl.DataFrame, *, min_n: int = DEFAULT_MIN_N) -> pl.DataFrame:
    """Rows ``structure_size``: partner companies by size category TPE / PME / ETI / GE (percent)."""
    companies = _companies(partners)
    if companies.height == 0 or "size_class" not in companies.columns:
        return empty_rows()
    codes = list(SIZE_GROUPS)
    values = size_groups_of(companies["size_class"])
    return _coded_shares(companies, values, codes, statistic="structure_size", item="size_category", min_n=min_n)


def naf_weights(companies: pl.DataFrame, reference: pl.DataFrame) -> tuple[np.ndarray, list[str | None]]:
    """Weights that give partner companies the sector mix of all French companies.

    For a company of reference sector ``s``: ``w = (N_s / N) / (n_s / n)`` with ``N`` national
    counts (all size bands) and ``n`` partner companies whose sector and size band are known;
    0 for the others. Returns the weights and each company's sector.
    """
    division_sector: dict[str, str] = {}
    for sector, divisions in reference.select("sector", "divisions").unique("sector", maintain_order=True).rows():
        for d in divisions:
            division_sector.setdefault(d, sector)
    sectors = naf_divisions_of(companies["naf"]).replace_strict(division_sector, default=None, return_dtype=pl.String)
    bands = _band_of(companies["size_class"], reference)
    national = dict(reference.group_by("sector").agg(pl.col("count").sum()).rows())
    total = sum(national.values())
    known = (sectors.is_not_null() & bands.is_not_null()).to_numpy()
    n_known = int(known.sum())
    sample = dict(sectors.filter(pl.Series(known)).value_counts().rows())
    factor = {s: (national[s] / total) / (sample[s] / n_known) for s in national if sample.get(s)}
    w = sectors.replace_strict(factor, default=0.0, return_dtype=pl.Float64).to_numpy()
    w = np.where(known, w, 0.0)
    return w, sectors.to_list()


def size_reweighted_rows(partners: pl.DataFrame, *, reference: pl.DataFrame | None = None,
                         min_n: int = DEFAULT_MIN_N) -> pl.DataFrame:
    """Rows ``structure_size_reweighted`` (Figure 2), ensemble domain, by size band of the reference.

    ``item = "size_band_partners"``: partner companies (raw shares); ``"size_band_reweighted"``:
    the same reweighted to the national sector mix (:func:`naf_weights`); ``"size_band_france"``:
    all French companies of the reference (``n`` = national count). Companies whose sector or
    size band is unknown are left out.
    """
    companies = _companies(partners)
    if companies.height == 0 or not {"naf", "size_class"} <= set(companies.columns):
        return empty_rows()
    reference = company_counts() if reference is None else reference
    w, _ = naf_weights(companies, reference)
    if not (w > 0).any():
        return empty_rows()
    bands = reference["size_band"].unique(maintain_order=True).to_list()
    band_values = _band_of(companies["size_class"], reference).zip_with(pl.Series(w > 0), pl.Series([None], dtype=pl.String))
    common = dict(statistic="structure_size_reweighted", min_n=min_n, domains=("ensemble",))
    raw = _coded_shares(companies, band_values, bands, item="size_band_partners", **common)
    weighted = _coded_shares(companies, band_values, bands, item="size_band_reweighted", weights=w, **common)
    national = reference.group_by("size_band", maintain_order=True).agg(pl.col("count").sum())
    total = national["count"].sum()
    france = conform_rows(
        national.select(
            pl.lit("structure_size_reweighted").alias("statistic"),
            pl.lit("size_band_france").alias("item"),
            pl.col("size_band").alias("answer"),
            pl.lit(ENSEMBLE).alias("group"),
            pl.lit(ENSEMBLE).alias("campus"),
            (pl.col("count") / total * 100.0).alias("estimate"),
            pl.col("count").round(0).cast(pl.Int64).alias("n"),
            pl.lit("percent").alias("unit"),
            pl.lit("ensemble").alias("domain"),
            pl.lit(_title("structure_size_reweighted")).alias("title"),
        )
    )
    return pl.concat([raw, weighted, france])


def campuses_rows(campuses: pl.DataFrame | None, *, min_n: int = DEFAULT_MIN_N) -> pl.DataFrame:
    """Rows ``structure_campuses`` (chapter 1): campuses by ``filiere``, ``region``,
    ``duration_years`` (percent, ``n`` = campuses; ``answer`` = the value whose share is
    given), and ``pia_amount_eur_<figure>`` (unit ``eur``, ``answer`` empty; figure = min,
    max, mean, median, total)."""
    if campuses is None or campuses.height == 0:
        return empty_rows()
    frame = campuses.drop("category", strict=False)
    parts = []
    for item in ("filiere", "region", "duration_years"):
        if item not in frame.columns or frame[item].null_count() == frame.height:
            continue
        values = frame[item].cast(pl.String).to_list()
        if item == "filiere":
            codes = [c for c in nomenclatures.codes("filieres") if c in set(values)] + sorted(
                {v for v in values if v} - set(nomenclatures.codes("filieres")))
        elif item == "duration_years":
            codes = [str(v) for v in sorted({int(v) for v in values if v is not None})]
        else:
            codes = sorted({v for v in values if v})
        parts.append(_coded_shares(frame.drop("campus_id", strict=False), values, codes,
                                   statistic="structure_campuses", item=item, min_n=min_n, domains=("ensemble",)))
    if "pia_amount_eur" in frame.columns and frame["pia_amount_eur"].drop_nulls().len():
        amounts = frame["pia_amount_eur"].drop_nulls().cast(pl.Float64)
        figures = {"min": amounts.min(), "max": amounts.max(), "mean": amounts.mean(),
                   "median": amounts.median(), "total": amounts.sum()}
        parts.append(conform_rows(pl.DataFrame(
            dict(statistic="structure_campuses", item=[f"pia_amount_eur_{f}" for f in figures], answer=None,
                 group=ENSEMBLE, campus=ENSEMBLE, estimate=[float(v) for v in figures.values()], n=amounts.len(),
                 unit="eur", domain="ensemble", title=_title("structure_campuses")),
            schema_overrides={"answer": pl.String},
        )))
    return pl.concat(parts) if parts else empty_rows()


def rows(
    responses: pl.DataFrame | None = None,
    *,
    partners: pl.DataFrame | None = None,
    campuses: pl.DataFrame | None = None,
    weights=None,
    min_n: int = DEFAULT_MIN_N,
    reference: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every structure statistic (see the module docstring); the responses are not used.

    ``reference``: national counts (default :func:`effipia.reference.insee.company_counts`). Missing inputs give no rows.
    """
    parts = []
    if partners is not None and partners.height:
        parts += [
            partnership_rows(partners, min_n=min_n),
            companies_per_campus_rows(partners, campuses),
            consortium_rows(partners, min_n=min_n),
            naf_rows(partners, min_n=min_n),
            size_rows(partners, min_n=min_n),
            size_reweighted_rows(partners, reference=reference, min_n=min_n),
        ]
    parts.append(campuses_rows(campuses, min_n=min_n))
    return pl.concat(parts)
