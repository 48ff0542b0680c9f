"""Can the war of 2022-2023 identify a parameter at all? The oracle check of the ABC calibration's distance.

For each parameter, ``simulation.analysis.calibration.identifiability.oracle_profile``: an ABC with
unlimited runs and every other parameter held at the history scenario's value (the most favourable
case), over the calibration window only (February 2022 to December 2023; nothing later is read).
It prints each parameter's acceptance rate by value and the width ratio of the 90% interval it
implies (identification, issue 18: under 0.5).

    python scripts/identifiability.py [--parameters russia_intent misperception] [--seeds 200]

Measured 2026-12-02 (200 seeds, 11 values, the shipped statistics, at the 5%, 10% and 25% quantiles of
the distances): Russia's intent 0.80-0.90 (only values under 0.2 are less likely), misperception 1.00
(flat), while the members' aid capacity (``members.capacity_share``, 40 seeds) comes out at 0.30. So
neither intent nor misperception is identifiable from these statistics of one war, however many
particles the ABC uses (docs/ODD.md section 10.3).
"""

from __future__ import annotations

import argparse

import numpy as np

from simulation.analysis.calibration import load_calibration
from simulation.analysis.calibration.identifiability import oracle_profile


def main() -> None:
    """Print each parameter's acceptance profile and oracle width ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calibration", default="history_abc")
    ap.add_argument("--parameters", nargs="+", default=["russia_intent", "misperception"])
    ap.add_argument("--seeds", type=int, default=200)
    a = ap.parse_args()
    cal = load_calibration(a.calibration)
    for name in a.parameters:
        for p in oracle_profile(cal, name, seeds=a.seeds):
            print(
                f"{name}: accept d <= {p.epsilon:.2f} (the {p.quantile:.0%} quantile): by value "
                f"{np.round(p.accepted, 3).tolist()}; oracle 90% interval [{p.low:g}, {p.high:g}], "
                f"width ratio {p.width_ratio:.2f} (goal < 0.5)",
                flush=True,
            )


if __name__ == "__main__":
    main()
