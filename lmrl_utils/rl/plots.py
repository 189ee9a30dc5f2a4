"""Figures for Chapter 4: grid maps of values and greedy policies as arrows (ties drawn as several arrows).

Example:
    fig, ax = plt.subplots()
    plot_policy_map(ax, layout, v, q, terminal, title="step reward -0.1")
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Colormap, Normalize

from lmrl_utils.plotting import SIGNED_CMAP, text_colour_on

ARROWS = ((-1, 0), (0, -1), (1, 0), (0, 1))  # (dx, dy) on screen of left, down, right, up


def grid_layout(env) -> np.ndarray:
    """(nrow, ncol) array of state ids (-1 for a wall) of a toy-text grid env (FrozenLake, grid world)."""
    u = env.unwrapped
    return getattr(u, "layout", np.arange(u.nrow * u.ncol).reshape(u.nrow, u.ncol))


def plot_policy_map(
    ax: plt.Axes,
    layout: np.ndarray,
    v: np.ndarray,
    q: np.ndarray,
    terminal: np.ndarray,
    title: str = "",
    labels: dict[int, str] | None = None,
    tie_tol: float = 1e-9,
    cmap: str | Colormap = SIGNED_CMAP,
) -> None:
    """Colour each cell by v(s) (a colour scale symmetric around 0, red-blue by default), write the value, and
    draw an arrow for every greedy action of q (several arrows in one cell = a tie). Terminal cells show
    `labels[s]` (e.g. "+1", "H", "G") instead of arrows. Text and arrows are black or white, whichever reads
    better on the cell's colour."""
    labels = labels or {}
    nrow, ncol = layout.shape
    img = np.full(layout.shape, np.nan)
    img[layout >= 0] = v[layout[layout >= 0]]
    finite = img[np.isfinite(img)]
    lim = max(np.abs(finite).max(), 1e-9) if finite.size else 1.0
    colours = mpl.colormaps[cmap] if isinstance(cmap, str) else cmap
    norm = Normalize(vmin=-lim, vmax=lim)
    ax.imshow(np.ma.masked_invalid(img), cmap=colours, norm=norm)
    for r in range(nrow):
        for c in range(ncol):
            s = layout[r, c]
            if s < 0:
                ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, color="0.3"))
                continue
            ink = text_colour_on(colours(norm(v[s])))
            if terminal[s]:
                ax.text(c, r, labels.get(s, "end"), ha="center", va="center", fontsize=12, weight="bold", color=ink)
                continue
            ax.text(c, r + 0.32, f"{v[s]:.2f}", ha="center", va="center", fontsize=8, color=ink)
            best = np.flatnonzero(q[s] >= q[s].max() - tie_tol)
            for a in best:
                dx, dy = ARROWS[a]
                ax.arrow(c, r - 0.05, 0.3 * dx, -0.3 * dy, head_width=0.1, length_includes_head=True,
                         color=ink)  # from the centre outwards
    ax.set_xticks(range(ncol))
    ax.set_yticks(range(nrow))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.set_title(title, fontsize=10)


def plot_lake(ax: plt.Axes, desc: np.ndarray, title: str = "") -> None:
    """Draw a FrozenLake map (S start, F frozen, H hole, G goal) with each cell's state number."""
    desc = np.asarray(desc).astype(str)
    colours = {"S": 0.75, "F": 0.9, "H": 0.15, "G": 0.55}
    ax.imshow(np.vectorize(colours.get)(desc), cmap="Blues_r", vmin=0, vmax=1)
    nrow, ncol = desc.shape
    for r in range(nrow):
        for c in range(ncol):
            colour = "white" if desc[r, c] == "H" else "black"
            ax.text(c, r, f"{desc[r, c]}\n{r * ncol + c}", ha="center", va="center", fontsize=9, color=colour)
    ax.set_xticks(range(ncol))
    ax.set_yticks(range(nrow))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.set_title(title, fontsize=10)
