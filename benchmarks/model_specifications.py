"""What each specification of the relation-variety count model gives on synthetic campaigns.

Measures, for seeds 1–5 of ``effipia.synth.generate``: the predicted counts of the report's
profiles (not involved, involved lycée/supérieur/OF-CFA, « autre ») and the company effect
under each specification; for the campus fixed-effects model, also the « autre » coefficient
read at each campus (what a prediction « at the reference campus » would give) and the fit
time. Writes ``benchmarks/results/model_specifications.json``.
Run: ``.venv/bin/python benchmarks/model_specifications.py``.
"""

from __future__ import annotations

import json
import time
import tomllib
from importlib.resources import files
from pathlib import Path

import numpy as np

from effipia.analysis import model
from effipia.synth import generate

SPECS = [[], ["campus_id"], ["filiere"], ["duration_years"], ["partner_type"], ["campus_id", "partner_type"],
         ["filiere", "duration_years", "pia_amount_eur"]]


def main() -> None:
    published = tomllib.loads((files("effipia") / "data" / "reference" / "published_cereq_2024.toml").read_text("utf-8"))
    tableau_2_autre = sum(row["autre"] for row in published["tableau_2"]["rows"].values()) / 100
    out = {"tableau_2_autre_column_sum": tableau_2_autre, "seeds": {}}
    for seed in range(1, 6):
        campaign = generate(seed=seed)
        per_spec = {}
        for controls in SPECS:
            start = time.perf_counter()
            m = model.fit(campaign.responses, controls=controls, campuses=campaign.campuses)
            seconds = time.perf_counter() - start
            per_spec[m.spec] = {
                "family": m.family, "n": m.n, "seconds": round(seconds, 3),
                "predicted": {(p.group if p.involved is None else f"{p.group}:{p.involved}"):
                              [round(p.predicted, 3), round(p.ci_low, 3), round(p.ci_high, 3)] for p in m.profiles},
                "entreprise_irr_p": round(m.effect("entreprise").p_value, 4),
            }
        fe = model.fit(campaign.responses, controls=["campus_id"], campuses=campaign.campuses)
        # exp(b_autre + campus effect) per campus: the « autre » prediction at one campus
        frame = model.model_frame(campaign.responses.with_columns(campaign.responses["campus_id"].alias("__c_campus_id")))
        x, names, k = model._design(frame, ["campus_id"])
        import statsmodels.api as sm

        b = sm.GLM(frame["y"].cast(float).to_numpy(), x, family=sm.families.Poisson()).fit().params
        at_campus = np.exp(b[names.index("autre")] + np.concatenate([[0.0], b[k:]]))
        per_spec["campus_fe_autre_by_campus"] = {
            "min": round(float(at_campus.min()), 3), "median": round(float(np.median(at_campus)), 3),
            "max": round(float(at_campus.max()), 3), "reference_campus": round(float(at_campus[0]), 3),
            "observed_mean": round(fe.profile("autre", None).observed_mean, 3),
        }
        out["seeds"][seed] = per_spec
    path = Path(__file__).parent / "results" / "model_specifications.json"
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(path)


if __name__ == "__main__":
    main()
