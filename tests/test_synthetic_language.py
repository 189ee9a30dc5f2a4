"""Unit tests of lmrl_utils.lm.synthetic_language: the entropy rate, the bigram gap, sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lmrl_utils.lm.synthetic_language import (
    MarkovSource,
    context_entropy,
    entropy_rate,
    make_source,
    ngram_cross_entropy,
    sample_ids,
    sample_text,
    stationary_distribution,
)

pytestmark = pytest.mark.chapter("03_lm_training")


def test_entropy_rate_of_a_hand_made_chain():
    """Order 1 over {a, b}: a -> (0.9, 0.1), b -> (0.5, 0.5); π = (5/6, 1/6)."""
    src = MarkovSource("ab", 1, np.array([[0.9, 0.1], [0.5, 0.5]]))
    np.testing.assert_allclose(stationary_distribution(src), [5 / 6, 1 / 6], atol=1e-10)
    h = lambda *p: -sum(x * math.log(x) for x in p)  # noqa: E731
    assert math.isclose(entropy_rate(src), 5 / 6 * h(0.9, 0.1) + 1 / 6 * h(0.5, 0.5), rel_tol=1e-9)
    assert math.isclose(context_entropy(src, 0), h(5 / 6, 1 / 6), rel_tol=1e-9)


def test_more_context_never_hurts_and_the_bigram_gap_is_large():
    src = make_source()
    h = [context_entropy(src, n) for n in range(src.order + 1)]
    assert all(h[i] >= h[i + 1] - 1e-12 for i in range(len(h) - 1))
    assert math.isclose(h[-1], entropy_rate(src), rel_tol=1e-9)
    assert h[1] - h[-1] >= 0.3  # the requirement: a bigram model stays ≥ 0.3 nats above the floor


def test_fitted_models_approach_their_floors():
    src = make_source()
    train = sample_ids(src, 200_000, np.random.default_rng(1))
    val = sample_ids(src, 20_000, np.random.default_rng(2))
    bigram = ngram_cross_entropy(train, val, 1, src.vocab_size)
    assert bigram - entropy_rate(src) >= 0.3
    assert abs(bigram - context_entropy(src, 1)) < 0.03
    assert abs(ngram_cross_entropy(train, val, src.order, src.vocab_size) - entropy_rate(src)) < 0.05


def test_sampling_is_seeded_and_uses_the_alphabet():
    src = make_source()
    a = sample_text(src, 500, np.random.default_rng(3))
    assert a == sample_text(src, 500, np.random.default_rng(3))
    assert set(a) <= set(src.alphabet) and len(a) == 500
