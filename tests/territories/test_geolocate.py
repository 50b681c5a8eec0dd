"""Geolocation of school partners on real UAI values (shipped list and Ille-et-Vilaine annuaire)."""

from __future__ import annotations

import polars as pl
import pytest

from effipia.registry.identifiers import uai_check_letter
from effipia.territories.annuaire import read_annuaire
from effipia.territories.geolocate import departement_of_uai, locate_schools
from effipia.reference import commune_positions, departement_centroids

# Real UAI from the shipped lycées list / the annuaire extract
NANTUA = "0010032E"  # LYCEE POLYVALENT XAVIER BICHAT, Nantua (Ain), académie de Lyon
RENNES = "0351907H"  # Lycée René Descartes, Rennes — in both files
TINTENIAC = "0351962T"  # Lycée professionnel Abbé Pierre (agricultural): in the annuaire only
WRONG_LETTER = "0010032F"  # Nantua's UAI with the wrong check letter (0010032 mod 23 = 4 → E)
# A well-formed UAI (check letter computed) that is in neither file
UNKNOWN = "0359990" + uai_check_letter("0359990")


def _centroid(dep):
    return departement_centroids().filter(pl.col("departement") == dep).select("x_l93", "y_l93").row(0)


def _commune(code):
    (position,) = commune_positions([code])
    return position


def test_check_letter_of_nantua_by_hand():
    # by hand: 10032 = 23 × 436 + 4; letters A B C D E… (I, O, Q left out): index 4 → E
    assert uai_check_letter("0010032") == "E"


def test_without_annuaire_schools_sit_at_their_commune_centroid(make_partners):
    partners = make_partners(
        partner_id=["p1", "p2"], campus_id=["c1", "c1"], category=["lycee", "lycee"], uai=[NANTUA, RENNES.lower()]
    )
    schools, problems = locate_schools(partners)
    assert problems == []
    assert schools["uai"].to_list() == [NANTUA, RENNES]  # normalised to upper case
    assert schools["approximate"].to_list() == [True, True]
    assert schools["precision"].to_list() == ["commune", "commune"]
    assert schools["source"].to_list() == ["centroide_commune", "centroide_commune"]
    # Nantua 01269, Rennes 35238 (communes_centroides.csv)
    assert schools.select("x_l93", "y_l93").rows() == [_commune("01269"), _commune("35238")]
    assert schools["academie"].to_list() == ["Lyon", "Rennes"]
    assert schools["commune"].to_list() == ["NANTUA", "RENNES"]


def test_annuaire_gives_exact_positions(make_partners, annuaire_path):
    annuaire = read_annuaire(annuaire_path)
    partners = make_partners(
        partner_id=["p1", "p2", "p3"], campus_id=["c1"] * 3, category=["lycee"] * 3, uai=[RENNES, TINTENIAC, NANTUA]
    )
    schools, problems = locate_schools(partners, annuaire)
    assert problems == []  # Tinténiac is not in the IPS list but the annuaire knows it
    by_uai = {r["uai"]: r for r in schools.iter_rows(named=True)}
    exact = annuaire.filter(pl.col("uai") == RENNES).row(0, named=True)
    assert (by_uai[RENNES]["x_l93"], by_uai[RENNES]["y_l93"]) == (exact["x_l93"], exact["y_l93"])
    assert by_uai[RENNES]["approximate"] is False and by_uai[RENNES]["source"] == "annuaire"
    assert by_uai[RENNES]["precision"] == "exact"
    assert by_uai[TINTENIAC]["name"] == "Lycée professionnel Abbé Pierre"
    assert by_uai[TINTENIAC]["academie"] == "Rennes"
    # Nantua is outside the Ille-et-Vilaine extract: its commune's centroid, approximate
    assert by_uai[NANTUA]["approximate"] is True and by_uai[NANTUA]["precision"] == "commune"


def test_bad_unknown_and_missing_uai_are_reported_never_dropped(make_partners):
    partners = make_partners(
        partner_id=["bad", "unk", "none", "ent", "short", "univ"],
        campus_id=["c1"] * 6,
        category=["lycee", "lycee", "lycee", "entreprise", "superieur", "superieur"],
        # univ: a well-formed UAI of a non-school partner is neither placed nor reported
        uai=[WRONG_LETTER, UNKNOWN, None, None, "035190", UNKNOWN],
        commune_insee=[None, None, None, "35238", None, None],
    )
    schools, problems = locate_schools(partners)
    reported = {(dict(p.params).get("partner"), p.code) for p in problems}
    assert reported == {
        ("bad", "territories.uai_invalid"),
        ("unk", "territories.uai_unknown"),
        ("none", "territories.uai_missing"),
        ("short", "territories.uai_invalid"),
    }
    assert all(p.column == "uai" for p in problems)
    # the unknown but well-formed UAI is placed at the centroid of the département it encodes (035)
    assert schools["partner_id"].to_list() == ["unk"]
    assert schools.select("x_l93", "y_l93").row(0) == _centroid("35")
    assert schools["approximate"].to_list() == [True]
    assert schools["precision"].to_list() == ["departement"]


def test_unknown_uai_uses_the_partner_commune_first(make_partners):
    partners = make_partners(partner_id=["unk"], campus_id=["c1"], category=["lycee"], uai=[UNKNOWN], commune_insee=["29019"])
    schools, _ = locate_schools(partners)
    assert schools.select("x_l93", "y_l93").row(0) == _commune("29019")  # Brest's own centroid
    assert schools["precision"].to_list() == ["commune"]


# 7200009X: shape only (a Haute-Corse prefix); the others are shipped lycées
@pytest.mark.parametrize(("uai", "dep"), [("0351907H", "35"), ("6200004K", "2A"), ("7200009X", "2B"), ("9710055H", "971")])
def test_departement_of_uai(uai, dep):
    assert departement_of_uai(uai) == dep


def test_overseas_and_corsican_lycees_are_placed(make_partners):
    # 6200004K LP Finosello (Ajaccio, 2A), 9710055H lycée privé Pensionnat (Guadeloupe)
    partners = make_partners(partner_id=["a", "b"], campus_id=["c1", "c1"], category=["lycee", "lycee"], uai=["6200004K", "9710055H"])
    schools, problems = locate_schools(partners)
    assert problems == []
    assert schools["academie"].to_list() == ["Corse", "Guadeloupe"]
    assert schools["x_l93"].null_count() == 0


def test_uai_prefix_gives_the_departement_of_every_shipped_lycee():
    from effipia.reference import lycees

    mismatched = [(uai, dep) for uai, dep in lycees().select("uai", "departement").iter_rows() if departement_of_uai(uai) != dep]
    assert mismatched == []


def test_saint_martin_lycee_is_placed_in_guadeloupe(make_partners):
    # 9710981P: commune code 97801 (Saint-Martin, a collectivity without its own outline) but
    # listed in département 971: placed at Guadeloupe's centroid, académie de Guadeloupe
    schools, problems = locate_schools(make_partners(partner_id=["sm"], campus_id=["c"], category=["lycee"], uai=["9710981P"]))
    assert problems == []
    assert schools.select("x_l93", "y_l93").row(0) == _centroid("971")
    assert schools["precision"].to_list() == ["departement"]
    assert schools["academie"].to_list() == ["Guadeloupe"]
