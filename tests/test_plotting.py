"""The course figure style and the attention heat-map helper (headless, fast)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from lmrl_utils.plotting import COURSE_RC, PALETTE, WEIGHTS_CMAP, attention_heatmap, use_course_style  # noqa: E402


def test_use_course_style_sets_readable_defaults():
    with matplotlib.rc_context():
        applied = use_course_style()
        assert applied == COURSE_RC
        assert plt.rcParams["font.size"] >= 10
        assert plt.rcParams["axes.spines.top"] is False
        assert plt.rcParams["axes.prop_cycle"].by_key()["color"][0] == PALETTE[0]


def test_style_is_idempotent_and_does_not_leak_outside_context():
    before = plt.rcParams["axes.spines.top"]
    with matplotlib.rc_context():
        use_course_style()
        use_course_style()
        assert plt.rcParams["axes.spines.top"] is False
    assert plt.rcParams["axes.spines.top"] == before


def test_attention_heatmap_labels_scale_and_annotations():
    w = torch.tensor([[1.0, 0.0, 0.0], [0.25, 0.75, 0.0]])
    fig, ax = plt.subplots()
    image = attention_heatmap(ax, w, ["q0", "q1"], ["a", "b", "c"], title="toy")
    assert image.get_clim() == (0.0, 1.0)  # one colour scale for every heat-map
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["q0", "q1"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(["1.00", "0.00", "0.00", "0.25", "0.75", "0.00"])
    assert ax.get_title() == "toy"
    np.testing.assert_allclose(image.get_array(), w.numpy())
    plt.close(fig)


def test_attention_heatmap_skips_numbers_on_large_matrices_and_rejects_3d():
    fig, ax = plt.subplots()
    attention_heatmap(ax, np.full((20, 20), 0.05))
    assert len(ax.texts) == 0
    with pytest.raises(ValueError, match="2-D"):
        attention_heatmap(ax, np.zeros((2, 3, 3)))
    plt.close(fig)


def test_text_colour_on_picks_the_readable_ink():
    from lmrl_utils.plotting import text_colour_on

    assert text_colour_on((1.0, 1.0, 1.0, 1.0)) == "black"
    assert text_colour_on((0.0, 0.0, 0.0, 1.0)) == "white"
    assert text_colour_on(plt.get_cmap(WEIGHTS_CMAP)(0.0)) == "white"  # viridis' dark purple end
    assert text_colour_on(plt.get_cmap(WEIGHTS_CMAP)(1.0)) == "black"  # and its yellow end


def test_policy_map_uses_a_colour_blind_safe_map_with_readable_text_and_arrows():
    from matplotlib.patches import FancyArrow

    from lmrl_utils.plotting import SIGNED_CMAP
    from lmrl_utils.rl.plots import plot_policy_map

    assert SIGNED_CMAP == "RdBu"  # red-blue: no red against green (tests/test_figures_accessible.py)
    layout = np.array([[0, 1, 2]])
    v = np.array([-1.0, 0.0, 1.0])
    q = np.array([[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]])  # state 1: a tie
    fig, ax = plt.subplots()
    plot_policy_map(ax, layout, v, q, np.array([False, False, True]), labels={2: "G"})
    image = ax.images[0]
    assert image.get_cmap().name == SIGNED_CMAP and image.norm.vmin == -1.0 and image.norm.vmax == 1.0
    ink = {t.get_text(): t.get_color() for t in ax.texts}
    assert ink["-1.00"] == "white" and ink["0.00"] == "black"  # dark red cell, white middle
    arrows = [p for p in ax.patches if isinstance(p, FancyArrow)]
    assert len(arrows) == 1 + 2  # state 0: one greedy action; state 1: a tie, two arrows; state 2 is terminal
    assert {matplotlib.colors.to_hex(a.get_facecolor()) for a in arrows} <= {"#000000", "#ffffff"}
    plt.close(fig)
