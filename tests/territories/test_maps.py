"""Static and interactive maps: valid SVG/PNG/HTML files from hand-made campuses with real UAI."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import polars as pl
import pytest

from effipia.errors import EffipiaError
from effipia.territories import build_territories, save_maps
from effipia.territories.interactive import render_interactive_map

# Real lycées: three in Ille-et-Vilaine (exact via the annuaire), two in Paris and one in
# Guadeloupe, two at La Réunion (Le Tampon, Saint-Louis)
CAMPUS_A = ["0351907H", "0352072M", "0350053T"]
CAMPUS_B = ["0750683K", "0750648X", "9710055H"]
CAMPUS_C = ["9740002J", "9740020D"]


@pytest.fixture(scope="module")
def result(annuaire_path):
    from effipia.schema import CAMPUS_COLUMNS, PARTNER_COLUMNS, conform

    partners = conform(
        pl.DataFrame(
            {
                "partner_id": [f"a{i}" for i in range(3)] + [f"b{i}" for i in range(3)] + ["c0", "c1"],
                "campus_id": ["A"] * 3 + ["B"] * 3 + ["C"] * 2,
                "category": ["lycee"] * 8,
                "partner_type": ["lycee"] * 8,
                "consortium": [1, 0, 0, 1, 0, 0, 1, 0],
                "uai": CAMPUS_A + CAMPUS_B + CAMPUS_C,
            }
        ),
        PARTNER_COLUMNS,
    )
    campuses = conform(
        pl.DataFrame(
            {
                "campus_id": ["A", "B", "C"], "name": ["Campus <Bretagne> & co", "Campus Paris", "Campus Réunion"],
                "letter": ["ZA", "B", None], "filiere": ["F06", "F04", "F04"], "support_type": ["lycee", "lycee", "lycee"],
            }
        ),
        CAMPUS_COLUMNS,
    )
    return build_territories(campuses, partners, annuaire=annuaire_path)


@pytest.fixture(scope="module")
def maps(result, tmp_path_factory):
    out = tmp_path_factory.mktemp("maps")
    return out, save_maps(result, out)


def test_every_map_is_written(maps):
    out, paths = maps
    names = sorted(str(p.relative_to(out)) for p in paths)
    assert names == [
        "campus/A.png", "campus/A.svg", "campus/B.png", "campus/B.svg", "campus/C.png", "campus/C.svg",
        "carte_interactive.html", "carte_nationale.png", "carte_nationale.svg",
        "carte_regions.png", "carte_regions.svg",
    ]


def test_svg_files_are_valid_svg_with_hatching_and_text(maps):
    out, _ = maps
    for name in ("carte_nationale.svg", "campus/A.svg", "carte_regions.svg"):
        root = ET.parse(out / name).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    national = (out / "carte_nationale.svg").read_text(encoding="utf-8")
    # readable in black and white: the campus territories are hatched patterns, labels are text
    assert national.count("<pattern") >= 2
    assert "Les « territoires » des campus" in national
    # overseas schools are drawn in insets, one per département, so none is left out
    assert "Guadeloupe" in national and "La Réunion" in national
    assert "non représenté" not in national
    # campus B's map is metropolitan: its Guadeloupe school is counted as left out
    assert "1 établissement(s) hors métropole non représenté(s)" in (out / "campus/B.svg").read_text(encoding="utf-8")
    # each school is drawn at its precision, and the caption counts them: A's three lycées are
    # in the Ille-et-Vilaine annuaire (exact), B's two Paris lycées share the Paris centroid
    a = (out / "campus/A.svg").read_text(encoding="utf-8")
    assert "ZA (A) : 3 établissement(s)" in a and "Campus &lt;Bretagne&gt; &amp; co" in a
    assert "Positions : 3 exacte(s) (Annuaire de l'éducation)." in a
    paris = (out / "campus/B.svg").read_text(encoding="utf-8")
    assert "Lycée (centre de la commune, position approchée)" in paris and "× 2" in paris
    assert "Positions : 2 au centre de la commune." in paris
    # campus C (no letter: its identifier alone) lies at La Réunion: its map shows the island
    # and its two schools, each at its own commune (Le Tampon, Saint-Louis)
    reunion = (out / "campus/C.svg").read_text(encoding="utf-8")
    assert "C : 2 établissement(s)" in reunion and "Campus Réunion" in reunion and "× 2" not in reunion
    # the national map says how precise its positions are
    assert "Positions : 3 exacte(s) (Annuaire de l'éducation), 5 au centre de la commune." in national


def test_national_map_as_small_multiples(result, tmp_path):
    from effipia.territories.maps import national_map

    svg, png = national_map(result.campuses, result.schools, result.supports, tmp_path / "grille", layout="grid")
    text = svg.read_text(encoding="utf-8")
    assert ET.parse(svg).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    # one panel per campus, titled « lettre (identifiant) » and its number of distinct points
    # (A: 3 exact points; B: the two Paris lycées share the Paris centroid, Guadeloupe is overseas; C: overseas)
    assert "ZA (A) : 3" in text and "B : 1" in text and "C : 0" in text
    assert "3 établissement(s) hors métropole non représenté(s)" in text
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_overlay_labels_never_hide_a_school(result):
    """A campus label is an opaque box: drawn over its hull it hid the schools of a concentrated
    campus (campus B's two Paris lycées share one point, the Paris centroid)."""
    import matplotlib.pyplot as plt

    from effipia.territories.maps import METROPOLE, _overlay_figure

    fig = _overlay_figure(result.campuses, result.schools, result.supports)
    fig.canvas.draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in ax.texts if t.get_bbox_patch() is not None]
    assert len(boxes) == 2  # campuses A and B; campus C (La Réunion) is labelled in its inset
    xmin, ymin, xmax, ymax = METROPOLE.bounds
    metro = result.schools.filter(pl.col("x_l93").is_between(xmin, xmax) & pl.col("y_l93").is_between(ymin, ymax))
    assert metro.height == 5  # 3 in Ille-et-Vilaine, 2 in Paris
    points = ax.transData.transform(metro.select("x_l93", "y_l93").to_numpy())
    hidden = [(x, y) for x, y in points for b in boxes if b.contains(x, y)]
    plt.close(fig)
    assert hidden == []


def test_png_files_are_png(maps):
    out, _ = maps
    for name in ("carte_nationale.png", "campus/B.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: dict[str, str] = {}
        self._current: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self._current = attrs.get("id") if tag == "script" else None

    def handle_data(self, data):
        if self._current:
            self.scripts[self._current] = self.scripts.get(self._current, "") + data

    def handle_endtag(self, tag):
        self._current = None


def test_interactive_html_is_self_contained(maps):
    out, _ = maps
    html = (out / "carte_interactive.html").read_text(encoding="utf-8")
    parser = _Collector()
    parser.feed(html)
    # no external resource: no src/href attribute pointing anywhere
    assert [a for _, a in parser.tags if a.get("src") or (a.get("href") and not a["href"].startswith("#"))] == []
    assert not re.search(r"url\((?!#)[^)]*\)", html)  # CSS images removed
    data = json.loads(parser.scripts["effipia-data"])
    assert [s["uai"] for s in data["schools"]] == CAMPUS_A + CAMPUS_B + CAMPUS_C
    assert data["tiles"] is None
    assert {c["filiere"] for c in data["campuses"]} == {
        "Mobilité, aéronautique, transports terrestres et maritimes", "Infrastructures, bâtiment, éco-construction",
    }
    # Rennes, Lycée René Descartes back in WGS 84 within 1e-5° of the annuaire's coordinates
    rennes = data["schools"][0]
    assert rennes["lat"] == pytest.approx(48.08839581314323, abs=1e-5)
    assert rennes["lon"] == pytest.approx(-1.642879342483228, abs=1e-5)
    assert json.loads(parser.scripts["effipia-academies"])["type"] == "FeatureCollection"
    # campus names are escaped in the page (an option's text, not markup)
    assert "Campus &lt;Bretagne&gt; &amp; co" in html
    assert len(html) < 1_200_000  # simplified boundaries keep the page small


def test_tiles_only_on_request_and_checked(result):
    html = render_interactive_map(result.campuses, result.schools, result.supports, tiles="https://tile.example.org/{z}/{x}/{y}.png")
    assert '"tiles": "https://tile.example.org/{z}/{x}/{y}.png"' in html
    with pytest.raises(EffipiaError) as caught:
        render_interactive_map(result.campuses, result.schools, tiles="http://insecure/{z}/{x}/{y}.png")
    assert caught.value.code == "territories.tiles_url"
