"""The XForm written for KoboToolbox / ODK Central: parsed as XML, binds checked with XPath."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from typer.testing import CliRunner

from effipia.cli import app
from effipia.errors import message
from effipia.questionnaire import to_xform

NS = {"xf": "http://www.w3.org/2002/xforms", "h": "http://www.w3.org/1999/xhtml",
      "jr": "http://openrosa.org/javarosa"}


def _bind(root: ET.Element, path: str) -> dict[str, str]:
    binds = root.findall(f".//xf:bind[@nodeset='{path}']", NS)
    assert len(binds) == 1, path
    return {k: " ".join(v.split()) for k, v in binds[0].attrib.items()}


def _path(item) -> str:
    return f"/data/{item.block}/{item.name}" if item.block else f"/data/{item.name}"


def test_xform_binds_carry_the_routing(q):
    root = ET.fromstring(to_xform())
    instance = root.find(".//xf:model/xf:instance/xf:data", NS)
    assert instance.get("id") == "enquete_unique" and instance.get("version") == q.version
    assert _bind(root, "/data/consortium")["relevant"] == "/data/category != 'autre'"
    assert _bind(root, "/data/grp_real")["relevant"] == "/data/category != 'autre'"
    assert _bind(root, "/data/grp_real/real_pia_1")["relevant"] == "/data/grp_real/real_known_1 = '1'"
    assert _bind(root, "/data/grp_real/real_known_6")["relevant"] == "/data/category = 'entreprise'"
    assert _bind(root, "/data/grp_intl/intl_contrib")["relevant"] == "/data/grp_intl/intl_known = '1'"
    assert _bind(root, "/data/grp_exp/expectations")["constraint"] == "count-selected(.) <= 4"
    assert _bind(root, "/data/respondent_id")["required"] == "true()"
    # Every item of the questionnaire is a node of the form with a bind.
    for item in q.items:
        _bind(root, _path(item))


def test_expectations_itemset_is_filtered_by_group():
    root = ET.fromstring(to_xform())
    select = root.find(".//xf:select[@ref='/data/grp_exp/expectations']", NS)
    itemset = select.find("xf:itemset", NS)
    assert " ".join(itemset.get("nodeset").split()) == "instance('expectations')/root/item[selected(group, /data/category )]"
    groups = {i.findtext("xf:name", namespaces=NS): i.findtext("xf:group", namespaces=NS)
              for i in root.findall(".//xf:instance[@id='expectations']/xf:root/xf:item", NS)}
    assert "entreprise" in groups["exp_anticiper_competences"].split()


def test_xform_command_writes_the_file(tmp_path, q):
    out = tmp_path / "enquete.xml"
    result = CliRunner().invoke(app, ["questionnaire", "xform", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == message("questionnaire.xform_written", path=str(out), questions=str(len(q.items)))
    assert ET.parse(out).getroot().tag == "{http://www.w3.org/1999/xhtml}html"


def test_xform_command_reports_a_broken_form_in_french(tmp_path):
    bad = tmp_path / "vide.xlsx"
    bad.write_bytes(b"pas un classeur")
    result = CliRunner().invoke(app, ["questionnaire", "xform", "--out", str(tmp_path / "x.xml"), "--form", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur : erreur de conversion XLSForm (pyxform) : ")
    assert not (tmp_path / "x.xml").exists()
