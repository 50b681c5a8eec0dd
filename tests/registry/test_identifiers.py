"""UAI and SIRET/SIREN checks on real identifiers."""

from __future__ import annotations

import csv

import pytest

from effipia.registry.identifiers import (
    is_valid_siren,
    is_valid_siret,
    is_valid_uai,
    luhn_ok,
    normalize_siret,
    normalize_uai,
    uai_check_letter,
)


def test_check_letter_holds_for_every_shipped_lycee(shared_dir) -> None:
    path = shared_dir / "data" / "lycees" / "fr-en-ips_lycees_2021-2022.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        uais = [row["uai"] for row in csv.DictReader(f, delimiter=";")]
    assert len(uais) == 3607  # row count given in shared/data/README.md
    assert [u for u in uais if not is_valid_uai(u)] == []


@pytest.mark.parametrize(
    ("uai", "letter"),
    [
        # From fr-en-ips_lycees_2021-2022.csv (Lycée Xavier Bichat, Nantua) and the Annuaire
        # de l'éducation extract (Lycée professionnel Abbé Pierre, Tinténiac).
        ("0010032E", "E"),  # 10032 % 23 = 4 → "E" (A=0, B=1, C=2, D=3, E=4)
        ("0351962T", "T"),  # 351962 % 23 = 16 → letters without I, O, Q: index 16 is "T"
    ],
)
def test_check_letter_of_real_lycees(uai: str, letter: str) -> None:
    assert uai_check_letter(uai[:7]) == letter
    assert is_valid_uai(uai)


def test_wrong_letter_and_bad_shapes_are_refused() -> None:
    assert not is_valid_uai("0010032F")
    assert not is_valid_uai("001003E")
    assert not is_valid_uai("A010032E")
    assert normalize_uai(" 0351962 t ") == "0351962T"


@pytest.mark.parametrize(
    "siret",
    [
        "73282932000074",  # Google France, the SIRET of INSEE's documentation example
        "55208131766522",  # EDF
        "35600000000048",  # La Poste head office: an ordinary Luhn number
        "35600000049837",  # a La Poste establishment: not Luhn, digit sum 45 is a multiple of 5
    ],
)
def test_real_sirets_are_valid(siret: str) -> None:
    assert is_valid_siret(siret)


def test_invalid_sirets() -> None:
    assert not luhn_ok("35600000049837")  # the La Poste exception is needed for it
    assert not is_valid_siret("73282932000075")  # last digit changed: Luhn fails
    assert not is_valid_siret("35600000049838")  # La Poste, digit sum 46
    assert not is_valid_siret("12345678901234")  # Luhn sum 61 (hand-computed)
    assert not is_valid_siret("7328293200007")
    assert not is_valid_siret("7328293200007A")


def test_siren_and_normalisation() -> None:
    assert is_valid_siren("732829320") and is_valid_siren("356000000")
    assert not is_valid_siren("732829321")
    assert normalize_siret("732 829 320 00074") == "73282932000074"
    assert normalize_siret(5520813176652.0) == "05520813176652"  # a number that lost its leading zero
    assert normalize_siret(73282932000074) == "73282932000074"
