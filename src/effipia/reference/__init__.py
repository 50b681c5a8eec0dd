"""The reference stage: every public reference file and every rule reading a reference code.

One home for each (synth, territories, analysis and the store import from here, never
from one another):

* :mod:`~effipia.reference.files` — where a file is read from (the user's folder of newer
  files, setting ``reference`` / ``EFFIPIA_REFERENCE``, else the shipped copy);
* :mod:`~effipia.reference.geography` — département → académie → région, boundaries,
  centroids, projections (Lambert-93, overseas CRS);
* :mod:`~effipia.reference.communes` — commune centroids (arrondissements read as their commune);
* :mod:`~effipia.reference.lycees` — the lycées of France (ministry IPS file);
* :mod:`~effipia.reference.naf` — NAF rév. 2 tables and the NAF section / division rule;
* :mod:`~effipia.reference.sizes` — Sirene size classes, size groups (TPE…GE), « NN »;
* :mod:`~effipia.reference.insee` — INSEE national company counts (setting ``insee_reference``);
* :mod:`~effipia.reference.partners` — the partner analysis category rule.

Importing this package is cheap: geopandas is imported only when boundaries are read.
"""

from effipia.reference.communes import commune_centroids, commune_key, commune_positions
from effipia.reference.files import LYCEES_FILE, LYCEES_PATTERNS, lycees_path, reference_path
from effipia.reference.geography import (
    LAMBERT93,
    academie_neighbours,
    academie_outlines,
    boundaries,
    departement_centroids,
    departement_key,
    departement_of_commune,
    departements,
    fold,
    metric_crs,
    overseas_crs,
)
from effipia.reference.insee import company_counts
from effipia.reference.lycees import lycees
from effipia.reference.naf import (
    naf_division,
    naf_divisions,
    naf_entry,
    naf_hierarchy,
    naf_section,
    naf_section_label,
    naf_sections,
    normalize_naf,
)
from effipia.reference.partners import analysis_categories
from effipia.reference.sizes import SIZE_GROUPS, normalize_size_class, size_bounds, size_classes, size_entry, size_group

__all__ = [
    "LAMBERT93",
    "LYCEES_FILE",
    "LYCEES_PATTERNS",
    "SIZE_GROUPS",
    "academie_neighbours",
    "academie_outlines",
    "analysis_categories",
    "boundaries",
    "commune_centroids",
    "commune_key",
    "commune_positions",
    "company_counts",
    "departement_centroids",
    "departement_key",
    "departement_of_commune",
    "departements",
    "fold",
    "lycees",
    "lycees_path",
    "metric_crs",
    "naf_division",
    "naf_divisions",
    "naf_entry",
    "naf_hierarchy",
    "naf_section",
    "naf_section_label",
    "naf_sections",
    "normalize_naf",
    "normalize_size_class",
    "overseas_crs",
    "reference_path",
    "size_bounds",
    "size_classes",
    "size_entry",
    "size_group",
]
