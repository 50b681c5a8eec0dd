"""Regenerate docs/reliability.md: run the reliability suites and write what they tried.

    python scripts/reliability_report.py [--examples 300] [--kills 6] [--serve-kills 12,8]

Runs (in a subprocess, with the project's interpreter) the fuzzing suite with
``--examples`` generated files per importer, the kill tests with ``--kills`` SIGKILLs per
importer, the server kill tests with ``--serve-kills`` SIGKILLs of ``effipia serve`` under
load (SQLite, PostgreSQL), and the regression tests of each known defect (faithful reading, CSV
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
    "serve_kill": ["tests/reliability/test_kill_serve.py"],
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
    parser.add_argument("--serve-kills", default="12,8", help="SIGKILLs of effipia serve: SQLite,PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cases.jsonl"
        env = dict(os.environ, RELIABILITY_LOG=str(log), RELIABILITY_FUZZ_EXAMPLES=str(args.examples),
                   RELIABILITY_KILLS=str(args.kills), RELIABILITY_SERVE_KILLS=args.serve_kills)
        env["DISCLOSURE_EXAMPLES"] = str(args.disclosure)
        results = {name: _run(paths, env, Path(tmp) / f"{name}.xml") for name, paths in SUITES.items()}
        records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    failed = {name: [t for t, o in tests if o == "failed"] for name, (_, tests) in results.items()}
    fuzz = [r for r in records if r["suite"] == "fuzz"]
    kills = [r for r in records if r["suite"] == "kill"]
    serve_runs = [r for r in records if r["suite"] == "serve_kill" and r.get("summary")]
    serve_kills = [r for r in records if r["suite"] == "serve_kill" and not r.get("summary")]
    acknowledged = sum(r["acknowledged"] for r in serve_runs)
    serve_lost = sum(r["lost"] + r["duplicated"] for r in serve_runs)
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lost = [k for k in kills if k["state"] not in ("all", "nothing")]
    bad_fuzz = [r for r in fuzz if r["outcome"] != "refused"]
    lines = [
        "# Reliability: what was tried and what was lost",
        "",
        f"Generated by `python scripts/reliability_report.py --examples {args.examples} --kills {args.kills} "
        f"--serve-kills {args.serve_kills}` "
        f"on {now}, commit {_commit()}. Do not edit by hand: rerun the command.",
        "",
        "The promise (issue 11): a bad input gets a clear French error listing every problem "
        "(`fichier:ligne:colonne: raison`) and nothing is written; an import killed at any moment "
        "leaves all or nothing; a page save the server acknowledged is never lost nor stored twice, "
        "whenever the server is killed; no CSV effipia writes can run as a formula in a spreadsheet.",
        "",
        "## Summary",
        "",
        *_table(["suite", "cases", "failed"], [
            ["fuzzing (generated malformed files, one defect each)", len(fuzz), len(bad_fuzz)],
            ["SIGKILL during imports of 100 000 rows (SQLite, PostgreSQL)", len(kills), len(lost)],
            ["SIGKILL of `effipia serve` under load (SQLite; PostgreSQL, 2 workers)", len(serve_kills),
             serve_lost + len(failed["serve_kill"])],
            ["regression tests (one per kind of defect found)", len(results["regression"][1]), len(failed["regression"])],
        ]),
        "",
        f"**Lost**: {len(lost)} import(s) left a partial store out of {len(kills)} kills; "
        f"{serve_lost} acknowledged page save(s) lost or stored twice out of {acknowledged}, "
        f"over {len(serve_kills)} kills of the server; "
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
    lines += ["## Kills of imports", "",
              "A real `effipia partners import` / `responses import` subprocess of 100 000 rows, killed with "
              "SIGKILL at a moment of its run (`time`, SQLite) or while its one write transaction is under way "
              "(`write`: the write-ahead log grows on SQLite, the server process holds a transaction id on "
              "PostgreSQL); the store is reopened and checked (`PRAGMA integrity_check` on SQLite, rows compared "
              "with an uninterrupted import).", ""]
    by_kill = collections.Counter((k.get("backend", "sqlite"), k["table"], k.get("mode", "time"), k["state"]) for k in kills)
    lines += _table(["store", "import", "moment", "state after the kill", "kills"],
                    [[b, t, m, s, n] for (b, t, m, s), n in sorted(by_kill.items())])
    lines += ["", "## Kills of the server under load", "",
              "`effipia serve` as a subprocess on a loopback port, concurrent respondents answering through the "
              "pages' own HTTP protocol (personal link, `save_id` of the page, POST, 303), the whole process group "
              "killed with SIGKILL at random moments and restarted; an unanswered save is sent again as it was, "
              "or the respondent reopens the link. Checked at the end against the acknowledged saves applied in "
              "order: each one stored exactly once, the draft and submitted responses equal to them, the link "
              "opening at the page reached (also at every reopening). Seeded (`RELIABILITY_SEED`).", ""]
    lines += _table(
        ["store", "workers", "kills", "with requests in flight", "respondents", "saves acknowledged",
         "saves interrupted by a kill", "attempts sent again", "reopenings", "submitted", "lost", "stored twice",
         "restart (s, median)", "run (s)"],
        [[r["backend"], r["workers"], r["kills"], r["kills_with_requests_in_flight"], r["respondents"], r["acknowledged"],
          r.get("interrupted", 0), r["resent"], r["reopened"], r.get("submitted", 0), r["lost"], r["duplicated"],
          r["restart_seconds_median"], r["seconds"]] for r in serve_runs])
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
    print(f"{OUT.relative_to(ROOT)}: {len(fuzz)} fuzz cases, {len(kills)} import kills, {len(lost)} lost; "
          f"{len(serve_kills)} server kills, {acknowledged} acknowledged saves, {serve_lost} lost")
    return 0 if not any(failed.values()) and not lost and not serve_lost else 1


if __name__ == "__main__":
    raise SystemExit(main())
