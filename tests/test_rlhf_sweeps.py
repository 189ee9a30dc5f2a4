"""Chapter 7's cached multi-seed RLHF runs: the histories' shapes, the cache, and runs that repeat exactly."""

import numpy as np
import pytest

from lmrl_utils.rlhf import sweeps
from lmrl_utils.rlhf.tuning import TuneConfig

pytestmark = pytest.mark.chapter("07_rlhf")

TINY = TuneConfig(beta=0.1, updates=2, n_prompts=2, n_samples=2, evaluate_every=1, n_eval_prompts=2)


def test_unknown_reward_says_which_names_work():
    with pytest.raises(ValueError, match="reward_model"):
        sweeps.reward_fn("length")


def test_sweep_keeps_every_evaluation_and_is_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(sweeps, "cache_dir", lambda: tmp_path)
    runs = {"tiny": ("true", TINY)}
    curves = sweeps.sweep(runs, seeds=(0,), workers=1)
    (history,) = curves["tiny"]
    assert history["update"].tolist() == [0, 1, 2]
    assert set(sweeps.KEEP) <= set(history) and len(history["samples"]) == sweeps.N_SHOW
    assert all("|" in text for text in history["samples"])  # prompt|completion

    def refuse(*args):
        raise AssertionError("a cached sweep must not train again")

    monkeypatch.setattr(sweeps, "run_one", refuse)
    monkeypatch.setattr(sweeps, "_run_star", refuse)
    again = sweeps.sweep(runs, seeds=(0,), workers=1)
    np.testing.assert_array_equal(again["tiny"][0]["true"], history["true"])


def test_a_shorter_run_is_the_prefix_of_a_longer_one():
    """The pages re-run a seed up to its peak to show its samples there: the same updates must come out."""
    short = sweeps.run_one("true", TuneConfig(**{**TINY.__dict__, "updates": 1}), seed=3)
    long = sweeps.run_one("true", TINY, seed=3)
    for key in sweeps.KEEP:
        np.testing.assert_array_equal(short[key], long[key][:2])


def test_stack_makes_seeds_by_evaluations():
    out = sweeps.stack([{"kl": [0, 1, 2]}, {"kl": [0, 2, 4]}], "kl")
    assert out.shape == (2, 3) and out[1, 2] == 4.0
