"""Structure of the partnerships and of the campuses (report chapter 1, section 6.1).

From the partner directory (canonical partner columns) and the campus registry:

* ``structure_partnership`` / ``structure_consortium`` — partners by analysis category
  (nomenclature ``consortium_categories``) in the whole partnership and in the consortia
  (Figure 1, Illustration 3);
* ``structure_naf`` — partner companies by NAF rév. 2 section; ``structure_size`` — by size
  category (TPE, PME, ETI, GE from the Sirene size class);
* ``structure_size_reweighted`` — partner companies by size band, raw and reweighted so that
  their sector mix matches all French companies', beside the national distribution
  (Figure 2), from a reference table of national counts by sector × size band
  (:func:`load_reference`, replaceable by the user);
* ``structure_campuses`` — campuses by filière, region, duration, and the PIA amounts.

Partner directories are exhaustive lists, not samples: shares come from the shared engine
(:func:`effipia.analysis.shares.share_rows`, for the layout and the minimum-count rule) but
their sampling intervals are left empty.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

import numpy as np
import polars as pl

from effipia import nomenclatures
from effipia.analysis.layout import ENSEMBLE, conform_rows, empty_rows
from effipia.analysis.relations import title
from effipia.analysis.shares import share_rows
from effipia.errors import EffipiaError

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
DEFAULT_REFERENCE = "insee_entreprises_secteur_taille_2007.csv"
_REFERENCE_ENV = "EFFIPIA_INSEE_REFERENCE"
_REQUIRED = ("sector", "naf_divisions", "size_band", "count")
_COMPANY = "entreprise"
_STRUCTURE_DOMAINS = ("ensemble", "campus")


def _title(statistic: str) -> str:
    return title(statistic)


# --------------------------------------------------------------------------- reference
def _parse_divisions(text: str) -> list[str] | None:
    out: list[str] = []
    for part in str(text).replace(" ", "").split(";"):
        m = re.fullmatch(r"(\d{1,2})(?:-(\d{1,2}))?", part)
        if not m:
            return None
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi < lo:
            return None
        out.extend(f"{d:02d}" for d in range(lo, hi + 1))
    return out


def size_bounds(text: str) -> tuple[int, float] | None:
    """Employee bounds of a size band or Sirene label: ``"10-249"`` → (10, 249), ``"2000+"`` → (2000, inf)."""
    t = str(text).replace(" ", "").replace("\u202f", "")
    m = re.fullmatch(r"(\d+)\+", t)
    if m:
        return int(m.group(1)), float("inf")
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", t)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        return (lo, float(hi)) if hi >= lo else None
    return None


def load_reference(path: str | Path | None = None) -> pl.DataFrame:
    """National enterprise counts by sector × size band, one row per division × band.

    ``path``: a CSV with columns ``sector, naf_divisions, size_band, count`` (optional
    ``label``); default: the file named by ``EFFIPIA_INSEE_REFERENCE``, else the shipped
    :data:`DEFAULT_REFERENCE`. Returns ``sector, label, size_band, size_min, size_max, count``
    plus the list column ``divisions`` (two-digit NAF divisions). Raises
    :class:`EffipiaError` (French) on a missing file, column or unreadable value.
    """
    if path is None:
        path = os.environ.get(_REFERENCE_ENV) or str(files("effipia") / "data" / "reference" / DEFAULT_REFERENCE)
    p = Path(path)
    if not p.is_file():
        raise EffipiaError("structure.reference_not_found", path=str(p))
    raw = pl.read_csv(p, infer_schema=False)
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise EffipiaError("structure.reference_columns", path=p.name, columns=", ".join(missing))
    records = []
    for line, r in enumerate(raw.iter_rows(named=True), start=2):
        divisions = _parse_divisions(r["naf_divisions"])
        if not divisions:
            raise EffipiaError("structure.reference_bad_divisions", path=p.name, row=line, value=r["naf_divisions"])
        bounds = size_bounds(r["size_band"])
        if bounds is None:
            raise EffipiaError("structure.reference_bad_band", path=p.name, row=line, value=r["size_band"])
        try:
            count = float(str(r["count"]).replace(" ", "").replace("\u202f", "").replace(",", "."))
        except ValueError:
            count = -1.0
        if not count >= 0:
            raise EffipiaError("structure.reference_bad_count", path=p.name, row=line, value=r["count"])
        records.append(
            dict(sector=r["sector"], label=r.get("label") or r["sector"], divisions=divisions,
                 size_band=r["size_band"], size_min=bounds[0], size_max=bounds[1], count=count)
        )
    return pl.DataFrame(records, schema_overrides={"divisions": pl.List(pl.String), "size_max": pl.Float64,
                                                   "size_min": pl.Int64})


# --------------------------------------------------------------------------- partner coding
def partner_categories(partners: pl.DataFrame) -> pl.Series:
    """Analysis category of each partner (``consortium_categories`` codes), null when unknown.

    From ``partner_type`` (nomenclature ``partner_types``); failing that, from the survey
    group when it maps to a single analysis category (lycée → secondaire, etc.).
    """
    types = nomenclatures.load("partner_types")
    by_type = dict(zip(types["code"], types["analysis_category"], strict=True))
    by_group: dict[str, str] = {}
    for g, part in types.group_by("survey_group"):
        cats = set(part["analysis_category"])
        if len(cats) == 1:
            by_group[g[0]] = cats.pop()
    ptype = _text(partners, "partner_type")
    group = _text(partners, "category")
    return partners.select(
        pl.when(ptype.is_in(list(by_type)))
        .then(ptype.replace_strict(by_type, default=None, return_dtype=pl.String))
        .otherwise(group.replace_strict(by_group, default=None, return_dtype=pl.String))
        .alias("analysis_category")
    ).to_series()


def _text(frame: pl.DataFrame, column: str) -> pl.Expr:
    """``column`` as text, or nulls when the frame lacks it."""
    return pl.col(column).cast(pl.String) if column in frame.columns else pl.lit(None, dtype=pl.String)


def _division_expr(text: pl.Expr) -> pl.Expr:
    """Two-digit NAF division of a code without dots (null unless it starts with two digits)."""
    head = text.str.slice(0, 2)
    return pl.when(head.str.contains(r"^\d\d$")).then(head).otherwise(None)


def naf_section(codes: pl.Series) -> pl.Series:
    """NAF rév. 2 section letter of NAF codes (``"28.11Z"``, ``"2811Z"``, ``"28"``…); null if unknown."""
    hierarchy = nomenclatures.load("naf_hierarchy")
    division_section = dict(
        zip(hierarchy.filter(pl.col("niveau") == "division")["division"],
            hierarchy.filter(pl.col("niveau") == "division")["section"], strict=True)
    )
    sections = list(nomenclatures.codes("naf_sections", "section"))
    text = pl.col("code").str.strip_chars().str.to_uppercase().str.replace_all(".", "", literal=True)
    return pl.DataFrame({"code": codes.cast(pl.String)}).select(
        pl.when((text.str.len_chars() == 1) & text.is_in(sections))
        .then(text)
        .otherwise(_division_expr(text).replace_strict(division_section, default=None, return_dtype=pl.String))
        .alias("naf_section")
    ).to_series()


def _naf_division(codes: pl.Series) -> pl.Series:
    text = pl.col("code").str.strip_chars().str.replace_all(".", "", literal=True)
    return pl.DataFrame({"code": codes.cast(pl.String)}).select(_division_expr(text).alias("division")).to_series()


def _size_class_bounds() -> dict[str, tuple[int, float]]:
    sizes = nomenclatures.load("sirene_size_classes")
    out = {c: size_bounds(label) for c, label in zip(sizes["code_tefen"], sizes["label"], strict=True)}
    out["NN"] = (0, 0.0)  # Sirene: non-employer unit
    return {k: v for k, v in out.items() if v is not None}


def _band_of(size_classes: pl.Series, reference: pl.DataFrame) -> pl.Series:
    """Reference size band of each Sirene size class (null when unknown or across bands)."""
    bands = reference.select("size_band", "size_min", "size_max").unique(maintain_order=True).rows()
    band_of_class = {}
    for code, (lo_c, hi_c) in _size_class_bounds().items():
        band_of_class[code] = next((name for name, lo, hi in bands if lo_c >= lo and hi_c <= hi), None)
    return size_classes.cast(pl.String).str.strip_chars().replace_strict(band_of_class, default=None, return_dtype=pl.String)


# --------------------------------------------------------------------------- shares
def _coded_shares(
    frame: pl.DataFrame,
    values: pl.Series | list,
    codes: Sequence[str],
    *,
    statistic: str,
    item: str,
    weights=None,
    min_n: int = 5,
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


def partnership_rows(partners: pl.DataFrame, *, min_n: int = 5, where: pl.Expr | None = None,
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


def consortium_rows(partners: pl.DataFrame, *, min_n: int = 5) -> pl.DataFrame:
    """Rows ``structure_consortium``: consortium members (``consortium`` = 1) by analysis category."""
    if partners is None or "consortium" not in partners.columns:
        return empty_rows()
    return partnership_rows(partners, min_n=min_n, where=pl.col("consortium") == 1, statistic="structure_consortium")


def _companies(partners: pl.DataFrame | None) -> pl.DataFrame:
    if partners is None or "category" not in partners.columns:
        return pl.DataFrame()
    return partners.filter(pl.col("category") == _COMPANY)


def naf_rows(partners: pl.DataFrame, *, min_n: int = 5) -> pl.DataFrame:
    """Rows ``structure_naf``: partner companies by NAF rév. 2 section (percent, known NAF only)."""
    companies = _companies(partners)
    if companies.height == 0 or "naf" not in companies.columns:
        return empty_rows()
    codes = nomenclatures.codes("naf_sections", "section")
    return _coded_shares(companies, naf_section(companies["naf"]), codes, statistic="structure_naf",
                         item="naf_section", min_n=min_n)


def size_rows(partners: pl.DataFrame, *, min_n: int = 5) -> pl.DataFrame:
    """Rows ``structure_size``: partner companies by size category TPE / PME / ETI / GE (percent)."""
    companies = _companies(partners)
    if companies.height == 0 or "size_class" not in companies.columns:
        return empty_rows()
    sizes = nomenclatures.load("sirene_size_classes")
    category = dict(zip(sizes["code_tefen"], sizes["taille_lbb"], strict=True))
    codes = list(dict.fromkeys(sizes["taille_lbb"]))
    values = companies["size_class"].cast(pl.String).str.strip_chars().replace_strict(category, default=None, return_dtype=pl.String)
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
    sectors = _naf_division(companies["naf"]).replace_strict(division_sector, default=None, return_dtype=pl.String)
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
                         min_n: int = 5) -> pl.DataFrame:
    """Rows ``structure_size_reweighted`` (Figure 2), ensemble domain, by size band of the reference.

    ``item = "size_band_partners"``: partner companies (raw shares); ``"size_band_reweighted"``:
    the same reweighted to the national sector mix (:func:`naf_weights`); ``"size_band_france"``:
    all French companies of the reference (``n`` = national count). Companies whose sector or
    size band is unknown are left out.
    """
    companies = _companies(partners)
    if companies.height == 0 or not {"naf", "size_class"} <= set(companies.columns):
        return empty_rows()
    reference = load_reference() if reference is None else reference
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


def campuses_rows(campuses: pl.DataFrame | None, *, min_n: int = 5) -> pl.DataFrame:
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
    min_n: int = 5,
    reference: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every structure statistic (see the module docstring); the responses are not used.

    ``reference``: national counts (default :func:`load_reference`). Missing inputs give no rows.
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
