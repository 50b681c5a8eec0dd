"""A command imports what it uses, when it uses it (issue 11: fixed cost of a command).

Each check runs in a fresh interpreter (``sys.modules`` of this test process is full of
whatever other tests imported) and lists the heavy libraries found in its ``sys.modules``.
No time is asserted: the libraries named here are the ones the compute path no longer
imports (measured with ``python -X importtime``: pyxform with openpyxl ≈ 0,4 s, reading the
workbook with them ≈ 0,5 s, ``scipy.special`` ≈ 0,2 s, ``scipy.sparse.csgraph`` ≈ 0,06 s; the
others are the report, web, modelling and plotting stacks, several seconds together).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

#: Never needed by ``effipia compute`` on the default statistics set (no control variable,
#: no calibration, no strata), nor by the import of the CLI and of the compute path.
NOT_FOR_COMPUTE = [
    "pyxform", "openpyxl", "PIL",
    "scipy.optimize", "scipy.stats", "scipy.sparse", "scipy.sparse.csgraph",
    "pandas", "matplotlib", "statsmodels", "networkx", "weasyprint", "fastapi", "uvicorn", "jinja2",
]
#: Used by the computation itself (the intervals), but not by importing it.
NOT_AT_IMPORT = NOT_FOR_COMPUTE + ["scipy.special"]
#: ``effipia --help`` reads no store, frame nor setting.
NOT_FOR_HELP = NOT_AT_IMPORT + ["sqlalchemy", "polars", "numpy", "scipy", "pydantic", "babel"]

_REPORT = "import json, sys; print(json.dumps(sorted(m for m in {names!r} if m in sys.modules)))"


def _loaded(code: str, names: list[str], *args: str, cwd: Path | None = None) -> list[str]:
    """Which of ``names`` are in ``sys.modules`` after ``code`` ran in a fresh interpreter."""
    script = code + "\n" + _REPORT.format(names=names)
    run = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=300, cwd=cwd)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_importing_the_cli_and_the_compute_path_imports_no_heavy_library():
    # The modules benchmarks/compute_speed.py times as « import_compute_path », and the
    # questionnaire package (its model is what compute reads).
    code = "import effipia.cli, effipia.store, effipia.operations.statistics, effipia.analysis.compute, effipia.questionnaire"
    assert _loaded(code, NOT_AT_IMPORT) == []


def test_results_need_no_polars():
    # effipia.results is a foundation module (warnings.csv is written row by row).
    assert _loaded("import effipia.results, effipia.operations.results", ["polars"]) == []


def test_help_imports_only_the_cli():
    code = (
        "import runpy, sys\n"
        "sys.argv = ['effipia', '--help']\n"
        "try:\n"
        "    runpy.run_module('effipia', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code\n"
    )
    assert _loaded(code, NOT_FOR_HELP) == []


def test_python_dash_m_effipia_runs_the_cli():
    run = subprocess.run([sys.executable, "-m", "effipia", "--help"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "compute" in run.stdout  # the command list of the same Typer app as the effipia script


def test_compute_on_a_tiny_campaign_uses_no_heavy_library(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'tiny.db'}"
    synth = subprocess.run(
        [sys.executable, "-m", "effipia", "--db", db, "synth", "--seed", "1", "--campuses", "2", "--partners", "10"],
        capture_output=True, text=True, timeout=300,
    )
    assert synth.returncode == 0, synth.stderr
    code = (
        "import sys\n"
        "from effipia.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:], prog_name='effipia')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code\n"
    )
    out = tmp_path / "stats"
    assert _loaded(code, NOT_FOR_COMPUTE, "--db", db, "compute", "--out", str(out)) == []
    assert (out / "statistics.parquet").is_file()
