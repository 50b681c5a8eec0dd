"""The benchmark suite: one command for every benchmark of issue 11 (item 10).

Run: ``.venv/bin/python benchmarks/run.py [SUITE ...] [-- OPTIONS OF THE SUITE]``, SUITE among
``compute``, ``imports``, ``reports``, ``web_saves`` (default: all, in that order). Each suite
is its own script (``benchmarks/<script>.py``, run in a fresh process with this Python),
writes its JSON in ``benchmarks/results/`` and owns its section of ``benchmarks/README.md``;
options after ``--`` go to the script (only with one suite). Not a test and not in CI: the
figures depend on the machine; every suite measures both sides of each ratio in the same run.
``--list`` prints the suites and their commands.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: suite -> (script, default options): compute writes its README table itself (--readme)
SUITES: dict[str, tuple[str, list[str]]] = {
    "compute": ("compute_speed.py", ["--readme"]),
    "imports": ("imports.py", []),
    "reports": ("reports.py", []),
    "web_saves": ("web_saves.py", []),
}


def command(suite: str, extra: list[str]) -> list[str]:
    script, defaults = SUITES[suite]
    return [sys.executable, str(HERE / script), *defaults, *extra]


def main() -> int:
    argv = sys.argv[1:]
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suites", nargs="*", choices=[*SUITES, []], default=[], metavar="SUITE")
    parser.add_argument("--list", action="store_true", help="print the suites and their commands")
    args = parser.parse_args(argv)
    suites = args.suites or list(SUITES)
    if extra and len(suites) != 1:
        parser.error("options after -- need exactly one suite")
    if args.list:
        for suite in suites:
            print(f"{suite}: {' '.join(command(suite, extra))}")
        return 0
    failed = []
    for suite in suites:
        start = time.perf_counter()
        print(f"== {suite}: {' '.join(command(suite, extra))}", flush=True)
        code = subprocess.run(command(suite, extra), cwd=HERE.parent).returncode
        print(f"== {suite}: exit {code}, {time.perf_counter() - start:.0f} s", flush=True)
        if code:
            failed.append(suite)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
