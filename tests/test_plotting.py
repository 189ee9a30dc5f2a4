"""The course figure style and the attention heat-map helper (headless, fast)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from lmrl_utils.plotting import COURSE_RC, PALETTE, attention_heatmap, use_course_style  # noqa: E402


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
