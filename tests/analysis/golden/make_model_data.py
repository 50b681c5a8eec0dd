"""Writes the two small data sets of the count-model golden test (fixed seeds).

Run once: ``python tests/analysis/golden/make_model_data.py``; then ``Rscript model_r.R``
beside it writes ``model_r.json``. Columns: respondent_id, campus_id, category, involved
(1/0, empty for « autre »), y (number of related categories, 0–16).
"""

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
MEANS = {"entreprise": (1.8, 1.8), "lycee": (1.8, 6.0), "superieur": (1.8, 6.0), "of_cfa": (1.8, 6.0)}
GROUPS = ["entreprise", "lycee", "superieur", "of_cfa", "autre"]


def make(path: Path, seed: int, alpha: float | None, campuses: int = 15, per_campus: int = 20) -> None:
    rng = np.random.default_rng(seed)
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["respondent_id", "campus_id", "category", "involved", "y"])
        i = 0
        for c in range(campuses):
            shift = np.exp(rng.normal(0.0, 0.15))
            for _ in range(per_campus):
                g = GROUPS[int(rng.integers(len(GROUPS)))]
                inv = None if g == "autre" else int(rng.random() < 0.5)
                mu = (4.2 if inv is None else MEANS[g][inv]) * shift
                y = rng.poisson(mu) if alpha is None else rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu))
                out.writerow([f"r{i:04d}", f"C{c:02d}", g, "" if inv is None else inv, min(int(y), 16)])
                i += 1


if __name__ == "__main__":
    make(HERE / "model_poisson.csv", seed=20240, alpha=None)
    make(HERE / "model_negbin.csv", seed=20241, alpha=0.6)
