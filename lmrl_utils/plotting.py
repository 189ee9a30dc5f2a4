"""The course's figure style: one call at the top of a page makes every figure readable and consistent.

    from lmrl_utils.plotting import use_course_style
    use_course_style()          # larger fonts, light grid, colour-blind-safe colours, no top/right spines

`attention_heatmap` draws the attention-weight pictures of Chapter 1 and later chapters the same way
everywhere: queries down the side, keys along the top, every weight in [0, 1] on one colour scale.

Every colour here reads with any colour vision: the Okabe-Ito palette for lines, viridis for magnitudes, a red-blue
diverging map for signed values. Rainbow maps (jet, hsv, Spectral) and red against green (RdYlGn) are not used
(`tests/test_figures_accessible.py` refuses them in the pages and in lmrl_utils).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import torch
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

# Okabe & Ito's colour-blind-safe palette, in the order lines are drawn.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

# Sequential colour map for weights and probabilities (perceptually uniform, readable in grey scale).
WEIGHTS_CMAP = "viridis"
# Diverging colour map for signed values centred on zero, such as state values (negative red, positive blue):
# ColorBrewer's RdBu, which readers with red-green colour blindness still tell apart, unlike red-yellow-green.
SIGNED_CMAP = "RdBu"

COURSE_RC: dict[str, object] = {
    "figure.figsize": (6.4, 4.0),  # inches; fits the book's text column at 100% zoom
    "figure.dpi": 110,  # crisp on screen without huge PNGs
    "savefig.bbox": "tight",
    "figure.constrained_layout.use": True,  # titles, labels and colour bars never overlap
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "lines.linewidth": 2.0,
    "lines.markersize": 5,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "image.cmap": WEIGHTS_CMAP,
}


def use_course_style() -> dict[str, object]:
    """Apply the course's matplotlib style to every figure drawn afterwards; return the settings applied.

    Example: use_course_style()["font.size"] -> 11, and plt.rcParams["axes.spines.top"] is then False.
    """
    mpl.rcParams.update(COURSE_RC)
    return dict(COURSE_RC)


def text_colour_on(rgba: Sequence[float]) -> str:
    """"black" or "white", whichever reads better on a background of colour `rgba` (by its luminance).

    Example: text_colour_on((1.0, 1.0, 0.8, 1.0)) -> "black"; text_colour_on((0.0, 0.1, 0.4, 1.0)) -> "white".
    """
    red, green, blue = rgba[:3]
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"


def attention_heatmap(
    ax: Axes,
    weights: torch.Tensor | np.ndarray,
    query_labels: Sequence[str] | None = None,
    key_labels: Sequence[str] | None = None,
    annotate: bool = True,
    title: str | None = None,
) -> AxesImage:
    """Draw a (T_q, T_k) matrix of attention weights: row t is what query t attends to, each row sums to 1.

    Keys run along the top (like reading a sentence), queries down the side; the colour scale is fixed to
    [0, 1] so different heat-maps can be compared. With `annotate`, each cell shows its weight to two
    decimals (left out for matrices larger than 12 x 12, where the numbers would not fit).
    Example: attention_heatmap(ax, torch.tensor([[1.0, 0.0], [0.5, 0.5]]), ["a", "b"], ["a", "b"]).
    """
    w = weights.detach().cpu().numpy() if isinstance(weights, torch.Tensor) else np.asarray(weights)
    if w.ndim != 2:
        raise ValueError(f"attention_heatmap needs a 2-D (queries, keys) matrix, got shape {w.shape}")
    n_q, n_k = w.shape
    image = ax.imshow(w, cmap=WEIGHTS_CMAP, vmin=0.0, vmax=1.0, aspect="auto")
    ax.grid(False)
    ax.set_xticks(range(n_k), list(key_labels) if key_labels is not None else range(n_k), rotation=45,
                  ha="left", rotation_mode="anchor")
    ax.set_yticks(range(n_q), list(query_labels) if query_labels is not None else range(n_q))
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query (attending)")
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    if annotate and max(n_q, n_k) <= 12:
        for i in range(n_q):
            for j in range(n_k):
                colour = "black" if w[i, j] > 0.6 else "white"  # readable on both ends of viridis
                ax.text(j, i, f"{w[i, j]:.2f}", ha="center", va="center", fontsize=8, color=colour)
    if title:
        ax.set_title(title, pad=12)
    return image


def smooth(x: np.ndarray, window: int) -> np.ndarray:
    """Moving average over `window` points (mode "valid": len(x) - window + 1 values), for noisy learning curves.

    Example: smooth([0, 1, 0, 1], 2) -> array([0.5, 0.5, 0.5])
    """
    x = np.asarray(x, dtype=float)
    return np.convolve(x, np.ones(window) / window, mode="valid")
