"""lmrl_utils.lm.sweeps and lmrl_utils.lm.scaling_laws: budgets, one tiny run, the published fits. Seconds."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from lmrl_utils.lm.gpt import GPT, GPTConfig, TrainConfig
from lmrl_utils.lm.scaling_laws import (
    ChinchillaFit,
    chinchilla_loss,
    chinchilla_optimal,
    fit_power_law,
    kaplan_loss_d,
    kaplan_loss_n,
)
from lmrl_utils.lm.sweeps import attention_by_offset, step_flops, steps_for_budget, train_point

pytestmark = pytest.mark.chapter("03_lm_training")

SHAPE = GPTConfig(vocab_size=5, block_size=6, d_model=16, n_layers=1, n_heads=2)


def test_heads_are_free_and_blocks_are_not():
    budget = 50 * step_flops(SHAPE, batch_size=4)
    for h in (1, 4, 8):
        assert step_flops(dataclasses.replace(SHAPE, n_heads=h), 4) == step_flops(SHAPE, 4)
    deeper = dataclasses.replace(SHAPE, n_layers=3)
    assert steps_for_budget(SHAPE, budget, 4) == 50
    steps = steps_for_budget(deeper, budget, 4)
    assert steps < 50 and steps * step_flops(deeper, 4) <= budget < (steps + 1) * step_flops(deeper, 4)
    assert steps_for_budget(deeper, 1.0, 4) == 1  # a budget too small for one step still takes one


def test_train_point_is_seeded_and_leaves_the_global_stream_alone():
    stream = torch.arange(200) % 5
    config = TrainConfig(steps=3, batch_size=2, warmup_steps=1)
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a, ra = train_point(SHAPE, stream, stream, config, seed=7)
    assert torch.equal(torch.rand(1), before), "train_point moved the caller's random stream"
    b, rb = train_point(SHAPE, stream, stream, config, seed=7)
    assert ra["loss"] == rb["loss"] and all(torch.equal(x, y) for x, y in zip(a.state_dict().values(),
                                                                              b.state_dict().values(), strict=True))
    assert ra["tokens"] == 3 * 2 * 6 and ra["steps"] == 3 and ra["flops"] == 3 * step_flops(SHAPE, 2)
    assert ra["non_embedding"] < ra["params"]


def test_attention_by_offset_rows_sum_to_one_over_what_a_query_sees():
    torch.manual_seed(0)
    model = GPT(dataclasses.replace(SHAPE, n_heads=4)).eval()
    ids = torch.randint(5, (3, 6))
    w = attention_by_offset(model, ids)
    assert w.shape == (4, 6)
    # query t sees offsets 0..t: summing the per-offset means weighted by how many queries have each offset is T
    counts = torch.arange(6, 0, -1, dtype=w.dtype)  # offset k occurs at T - k queries
    assert torch.allclose((w * counts).sum(1), torch.full((4,), 6.0))


def test_power_law_fit_recovers_its_exponent_and_refuses_non_positive_losses():
    n = np.array([1e3, 1e4, 1e5])
    a, alpha = fit_power_law(n, 3.0 * n**-0.3)
    assert a == pytest.approx(3.0) and alpha == pytest.approx(0.3)
    with pytest.raises(ValueError, match="above"):
        fit_power_law(n, np.array([1.0, 0.0, -0.1]))


def test_chinchilla_optimum_minimises_the_fit_at_its_budget():
    flops = 1e21
    n, d = chinchilla_optimal(flops)
    assert 6 * n * d == pytest.approx(flops)
    for factor in (0.5, 0.9, 1.1, 2.0):  # any other split of the same budget predicts a higher loss
        assert chinchilla_loss(n * factor, d / factor) > chinchilla_loss(n, d)
    fit = ChinchillaFit()
    assert chinchilla_loss(1e40, 1e40) == pytest.approx(fit.E, abs=1e-6)


def test_kaplan_fits_fall_with_size_and_data():
    assert kaplan_loss_n(1e6) > kaplan_loss_n(1e9) > 0
    assert kaplan_loss_d(1e6) > kaplan_loss_d(1e9) > 0
    assert kaplan_loss_n(8.8e13) == pytest.approx(1.0) and math.isclose(kaplan_loss_d(5.4e13), 1.0)
