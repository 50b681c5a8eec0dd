"""Regenerate docs/reliability.md: run the reliability suites and write what they tried.

    python scripts/reliability_report.py [--examples 300] [--kills 6]

Runs (in a subprocess, with the project's interpreter) the fuzzing suite with
``--examples`` generated files per importer, the kill tests with ``--kills`` SIGKILLs per
importer, and the regression tests of each known defect (faithful reading, CSV
injection, base addresses, idempotent re-import); every case is logged
(``RELIABILITY_LOG``), then counted by kind in the page, with the date, the commit and
what was lost. The suites run in CI with fewer examples (tests/reliability/).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "reliability.md"
SUITES = {
    "fuzz": ["tests/reliability/test_fuzz_imports.py"],
    "kill": ["tests/reliability/test_kill_imports.py"],
    "regression": [
        "tests/registry/test_registry_faithful.py",
        "tests/exchange/test_exchange_faithful.py",
        "tests/store/test_failures.py",
        "tests/reliability/test_csv_injection.py",
        "tests/reliability/test_base_urls.py",
        "tests/reliability/test_idempotent_reimport.py",
    ],
    "disclosure": ["tests/reliability/test_disclosure_properties.py", "tests/analysis/test_disclosure.py"],
}


def _run(paths: list[str], env: dict[str, str], junit: Path) -> tuple[int, list[tuple[str, str]]]:
    """Run pytest on ``paths``; return its exit code and (test id, outcome) of each test."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", *paths]
    code = subprocess.run(command, cwd=ROOT, env=env).returncode
    tests = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped":
                outcome = "skipped"
        tests.append((f"{case.get('classname')}::{case.get('name')}", outcome))
    return code, tests


def _commit() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "tests"], cwd=ROOT, capture_output=True, text=True).stdout
    return head + (" (arbre de travail modifié)" if dirty.strip() else "")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return lines


def _disclosure(records: list[dict], tests: list[tuple[str, str]], scale: int) -> list[str]:
    """The disclosure section: drawn campaigns by output, cells hidden, tests and outcomes."""
    cases = [r for r in records if r["suite"] == "disclosure"]
    bad = [t for t, o in tests if o != "passed"]
    by = collections.defaultdict(list)
    for r in cases:
        by[r["output"]].append(r)
    lines = ["", "## Disclosure (statistical secrecy)", "",
             f"`tests/reliability/test_disclosure_properties.py` with `DISCLOSURE_EXAMPLES={scale}`: random small "
             "synthetic campaigns (2–5 campuses, some thinned below the minimum, minimum drawn in 3–6), and for each: "
             "no row on fewer respondents than the minimum carries a value in the statistics set or its CSV/Parquet "
             "files, none can be recovered by subtraction from published margins (rank audit), no distinctive "
             "hidden value and no figure at a small campus's place in the reports (HTML, SVG, PDF text, workbook), "
             "and no count or rate of a cell under the minimum on the director's and funder's pages and API "
             "(rule: docs/analysis.md « Secret statistique »).", ""]
    def failed(test: str) -> str:
        return "yes" if any(test in t for t in bad) else "no"

    lines += _table(["output", "campaigns drawn", "cells below the minimum checked", "test failed"], [
        ["statistics set (rows below the minimum, subtraction audit)", len(by["statistics"]),
         sum(r["primary"] for r in by["statistics"]), failed("test_statistics_set")],
        ["reports (hidden values searched, campus reports refused)", len(by["reports"]),
         sum(r["hidden"] for r in by["reports"]), failed("test_reports_print")],
        ["web (director and funder: hidden campus × group cells)", len(by["web"]), sum(r["hidden"] for r in by["web"]),
         failed("test_director_pages")],
    ])
    lines += ["", "A drawn campaign is logged only when every check on it passed; a failing test stops at its "
              "first failing campaign and prints it."]
    lines += ["", f"Tests: {len(tests)}, failed or skipped: {len(bad)}" + (" — " + ", ".join(f"`{t}`" for t in bad) if bad else "") + "."]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300, help="generated files per importer (fuzzing)")
    parser.add_argument("--kills", type=int, default=6, help="SIGKILLs per importer")
    parser.add_argument("--disclosure", type=int, default=5, help="multiple of the CI number of drawn campaigns (disclosure)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cases.jsonl"
        env = dict(os.environ, RELIABILITY_LOG=str(log), RELIABILITY_FUZZ_EXAMPLES=str(args.examples),
                   RELIABILITY_KILLS=str(args.kills))
        env["DISCLOSURE_EXAMPLES"] = str(args.disclosure)
        results = {name: _run(paths, env, Path(tmp) / f"{name}.xml") for name, paths in SUITES.items()}
        records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    fuzz = [r for r in records if r["suite"] == "fuzz"]
    kills = [r for r in records if r["suite"] == "kill"]
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    failed = {name: [t for t, o in tests if o == "failed"] for name, (_, tests) in results.items()}
    lost = [k for k in kills if k["state"] not in ("all", "nothing")]
    bad_fuzz = [r for r in fuzz if r["outcome"] != "refused"]
    lines = [
        "# Reliability: what was tried and what was lost",
        "",
        f"Generated by `python scripts/reliability_report.py --examples {args.examples} --kills {args.kills}` "
        f"on {now}, commit {_commit()}. Do not edit by hand: rerun the command.",
        "",
        "The promise (issue 11): a bad input gets a clear French error listing every problem "
        "(`fichier:ligne:colonne: raison`) and nothing is written; an import killed at any moment "
        "leaves all or nothing; no CSV effipia writes can run as a formula in a spreadsheet.",
        "",
        "## Summary",
        "",
        *_table(["suite", "cases", "failed"], [
            ["fuzzing (generated malformed files, one defect each)", len(fuzz), len(bad_fuzz)],
            ["SIGKILL during imports of 100 000 rows", len(kills), len(lost)],
            ["regression tests (one per kind of defect found)", len(results["regression"][1]), len(failed["regression"])],
        ]),
        "",
        f"**Lost**: {len(lost)} import(s) left a partial store out of {len(kills)} kills; "
        f"{len(bad_fuzz)} malformed file(s) out of {len(fuzz)} were accepted, crashed, answered in English "
        "or without their place, or changed the store.",
        "",
        "## Fuzzing: inputs tried by kind",
        "",
        "Each generated file (Hypothesis, derandomised) carries one planted defect; the import command runs in "
        "process (Typer's CliRunner) and must exit non-zero, print a French problem naming the file and the "
        "line (and the column for a cell), no traceback and no library English, and leave the SQLite store "
        "byte-identical (file hash and dump). The valid base files are imported too in every format "
        "(control).",
        "",
    ]
    by_kind = collections.Counter((r["kind"], r["format"], r["defect"]) for r in fuzz)
    lines += _table(["file", "format", "defect", "cases"], [[k, f, d, n] for (k, f, d), n in sorted(by_kind.items())])
    encodings = collections.Counter(r["encoding"] for r in fuzz if r["format"] in ("csv", "kobo"))
    lines += ["", "CSV encodings drawn: " + ", ".join(f"{e} ({n})" for e, n in sorted(encodings.items())) + ".", ""]
    lines += ["## Kills", "",
              "A real `effipia partners import` / `responses import` subprocess of 100 000 rows on SQLite, killed with "
              "SIGKILL at a moment of its run (`time`) or while its write transaction fills the write-ahead log "
              "(`write`); the store is reopened and checked (`PRAGMA integrity_check`, rows compared with an "
              "uninterrupted import).", ""]
    by_kill = collections.Counter((k["table"], k.get("mode", "time"), k["state"]) for k in kills)
    lines += _table(["import", "moment", "state after the kill", "kills"], [[t, m, s, n] for (t, m, s), n in sorted(by_kill.items())])
    lines += _disclosure(records, results["disclosure"][1], args.disclosure)
    lines += ["", "## Regression tests", "", "One test per kind of defect reported in issue 11, each from a small file made in the test:", ""]
    lines += [f"- `{name}` — {outcome}" for name, outcome in results["regression"][1]]
    if any(failed.values()):
        lines += ["", "## Failures", ""] + [f"- {suite}: `{name}`" for suite, names in failed.items() for name in names]
    lines += ["", "## Settings", "",
              "- `EFFIPIA_XLSX_MAX_CELLS` (default 10 000 000): largest used range of an imported XLSX sheet (rows × "
              "columns up to the last filled cell), measured by a scan of the sheet's XML before anything is loaded.",
              ""]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(fuzz)} fuzz cases, {len(kills)} kills, {len(lost)} lost")
    return 0 if not any(failed.values()) and not lost else 1


if __name__ == "__main__":
    raise SystemExit(main())
