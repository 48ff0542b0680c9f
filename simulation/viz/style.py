"""The look of every figure: colour-blind-safe palettes and type large enough for a projector.

Plain data, no matplotlib import: the dashboard and the figures read the same palette.
"""

from __future__ import annotations

__all__ = ["OKABE_ITO", "STYLE", "TOL_MUTED", "palette"]

#: Okabe and Ito (2008), "Color Universal Design": safe for the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

#: Paul Tol's "muted" scheme, also colour-blind safe, for 9 or 10 lines.
TOL_MUTED = (
    "#332288",
    "#CC6677",
    "#117733",
    "#88CCEE",
    "#882255",
    "#DDCC77",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#555555",
)

#: matplotlib rc settings every figure is drawn in (``plots._styled``).
STYLE = {
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.labelsize": 13,
    "legend.fontsize": 11,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
}


def palette(n: int) -> tuple[str, ...]:
    """Colour-blind-safe colours for n lines: Okabe-Ito up to 8, Tol's muted scheme up to 10."""
    return OKABE_ITO if n <= len(OKABE_ITO) else TOL_MUTED
