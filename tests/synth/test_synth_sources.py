"""The generator's lycée list comes from the reference stage, so a user's
newer list in ``EFFIPIA_REFERENCE`` replaces the shipped one."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import polars as pl
import pytest

from effipia.synth import generate, sources

_SHIPPED = files("effipia") / "data" / "reference" / "lycees_ips_2021-2022.csv"


def test_default_list_is_the_shipped_ministry_file() -> None:
    # fr-en-ips_lycees 2021-2022 (data/reference): 3 607 distinct UAIs, all in a département of
    # the académie table; first row 0010032E « LYCEE POLYVALENT XAVIER BICHAT », Nantua (01269), Lyon.
    table = sources.lycees()
    assert table.columns == ["uai", "name", "commune_insee", "commune", "departement", "academie", "region"]
    assert table.height == 3607 and table["uai"].n_unique() == 3607
    assert table.row(0) == (
        "0010032E", "LYCEE POLYVALENT XAVIER BICHAT", "01269", "NANTUA", "01", "Lyon", "Auvergne-Rhône-Alpes"
    )


def _replacement(folder: Path) -> Path:
    """The shipped list under the ministry's own name for a later year, every lycée renamed,
    plus one lycée in a département code absent from the académie table."""
    raw = _SHIPPED.read_bytes().removeprefix(b"\xef\xbb\xbf")
    table = pl.read_csv(raw, separator=";", infer_schema=False)
    renamed = table.with_columns(("REMPLACE " + pl.col("nom_de_l_etablissment")).alias("nom_de_l_etablissment"))
    stray = renamed.head(1).with_columns(
        pl.lit("0999999W").alias("uai"), pl.lit("099").alias("code_du_departement")
    )
    path = folder / "fr-en-ips_lycees_2023-2024.csv"
    pl.concat([renamed, stray]).write_csv(path, separator=";")
    return path


def test_users_list_in_effipia_reference_replaces_the_shipped_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _replacement(tmp_path)
    monkeypatch.setenv("EFFIPIA_REFERENCE", str(tmp_path))
    table = sources.lycees()
    # 3 607 renamed lycées; the stray one (département 099, no académie) is left out.
    assert table.height == 3607
    assert table["name"].str.starts_with("REMPLACE ").all()
    assert "0999999W" not in table["uai"].to_list()
    # The generator enrols lycées of that list: every lycée partner carries a renamed name.
    lycees = generate(seed=2024).partners.filter(pl.col("category") == "lycee")
    assert lycees.height > 0 and lycees["name"].str.starts_with("REMPLACE ").all()
    monkeypatch.delenv("EFFIPIA_REFERENCE")
    assert not sources.lycees()["name"].str.starts_with("REMPLACE ").any()
