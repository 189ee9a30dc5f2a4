"""The running-sum token task of Chapter 5's "SFT is behaviour cloning": expert, labels, generation, SFT, DAgger."""

import numpy as np
import pytest
import torch

from lmrl_utils.lm.gpt import GPT, GPTConfig, TrainConfig
from lmrl_utils.lm.sft_tasks import (
    IGNORE,
    ImitationConfig,
    RunningSumTask,
    answer_errors,
    dagger,
    demonstrations,
    expert_answers,
    fit_labelled,
    generate_answers,
    labelled_pairs,
    sample_prompts,
    sft,
)

pytestmark = pytest.mark.chapter("05_imitation")

TASK = RunningSumTask(modulus=5, n_digits=4)


def tiny_gpt(seed: int = 0) -> GPT:
    torch.manual_seed(seed)
    return GPT(GPTConfig(vocab_size=TASK.vocab_size, block_size=TASK.seq_len, d_model=16, n_layers=1, n_heads=2))


def test_shapes_and_tokens():
    assert (TASK.eq, TASK.vocab_size, TASK.seq_len) == (5, 6, 9)
    prompts = sample_prompts(TASK, 7, np.random.default_rng(0))
    assert prompts.shape == (7, 5) and (prompts[:, -1] == TASK.eq).all() and (prompts[:, :-1] < 5).all()
    assert demonstrations(TASK, prompts).shape == (7, TASK.seq_len)


def test_expert_is_the_running_sum_by_hand():
    prompts = np.array([[1, 2, 3, 4, TASK.eq], [4, 4, 4, 4, TASK.eq]])
    assert expert_answers(TASK, prompts).tolist() == [[1, 3, 1, 0], [4, 3, 2, 1]]  # mod 5


def test_expert_labels_any_prefix_with_the_true_sums():
    """After a slip the label is still the true running sum, not the slip plus the next digit."""
    seqs = np.array([[1, 2, 3, 4, TASK.eq, 1, 4, 2, 1]])  # slip at step 2 (true 3), carried along
    x, y = labelled_pairs(TASK, seqs)
    assert x.tolist() == [[1, 2, 3, 4, TASK.eq, 1, 4, 2]]
    assert y.tolist() == [[IGNORE] * 4 + [1, 3, 1, 0]]
    assert answer_errors(TASK, seqs).tolist() == [[False, True, True, True]]


def test_teacher_forcing_labels_are_the_shifted_demonstration():
    demos = demonstrations(TASK, sample_prompts(TASK, 5, np.random.default_rng(1)))
    x, y = labelled_pairs(TASK, demos)
    np.testing.assert_array_equal(y[:, TASK.n_digits:], demos[:, TASK.n_digits + 1:])
    assert answer_errors(TASK, demos).sum() == 0


def test_generation_keeps_the_prompt_and_is_seeded():
    model = tiny_gpt()
    prompts = sample_prompts(TASK, 6, np.random.default_rng(2))
    a = generate_answers(TASK, model, prompts, 1.0, torch.Generator().manual_seed(3))
    b = generate_answers(TASK, model, prompts, 1.0, torch.Generator().manual_seed(3))
    assert a.shape == (6, TASK.seq_len) and (a[:, : TASK.n_digits + 1] == prompts).all()
    np.testing.assert_array_equal(a, b)
    greedy = generate_answers(TASK, model, prompts, 0.0, torch.Generator().manual_seed(4))
    np.testing.assert_array_equal(greedy, generate_answers(TASK, model, prompts, 0.0, torch.Generator()))


def test_fit_lowers_the_loss_on_demonstrations():
    model = tiny_gpt()
    x, y = labelled_pairs(TASK, demonstrations(TASK, sample_prompts(TASK, 64, np.random.default_rng(5))))
    losses = fit_labelled(model, x, y, TrainConfig(steps=30, batch_size=16, warmup_steps=3),
                          torch.Generator().manual_seed(0))
    assert len(losses) == 30 and np.mean(losses[-5:]) < np.mean(losses[:5])


def test_sft_and_dagger_spend_the_budget_and_are_repeatable():
    config = ImitationConfig(n_labels=64, steps=8, dagger_rounds=2, batch_size=8)
    outs = []
    for method in (sft, sft, dagger, dagger):
        model = method(TASK, tiny_gpt(), config, np.random.default_rng(0), torch.Generator().manual_seed(0))
        outs.append(torch.cat([p.flatten() for p in model.parameters()]))
    assert torch.equal(outs[0], outs[1]) and torch.equal(outs[2], outs[3])
    assert not torch.equal(outs[0], outs[2])
