"""Running sums with a backspace (Chapter 5's "SFT is behaviour cloning"): expert, editor, relabelling, SFT, DAgger."""

import numpy as np
import pytest
import torch
from torch import nn

from lmrl_utils.lm.gpt import GPT, GPTConfig, TrainConfig
from lmrl_utils.lm.sft_tasks import (
    IGNORE,
    Episode,
    ImitationConfig,
    RunningSumTask,
    answers_right,
    dagger,
    demonstrations,
    expert_answers,
    expert_labels,
    fit_labelled,
    relabel,
    sample_digits,
    sft,
    write_answers,
)

pytestmark = [pytest.mark.chapter("05_imitation"), pytest.mark.usefixtures("one_torch_thread")]

TASK = RunningSumTask(modulus=5, n_digits=4)
BK = TASK.bksp


class Always(nn.Module):
    """A stand-in model whose next token is always `token` (logits one-hot), to test the editor by hand."""

    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        logits = torch.full((*idx.shape, TASK.vocab_size), -1e4)
        logits[..., self.token] = 0.0
        return logits


def tiny_gpt(seed: int = 0) -> GPT:
    torch.manual_seed(seed)
    return GPT(GPTConfig(vocab_size=TASK.vocab_size, block_size=TASK.seq_len, d_model=16, n_layers=1, n_heads=2))


def test_shapes_and_tokens():
    assert (TASK.bksp, TASK.vocab_size, TASK.seq_len) == (5, 6, 8)
    digits = sample_digits(TASK, 7, np.random.default_rng(0))
    assert digits.shape == (7, 4) and (digits < 5).all()
    assert demonstrations(TASK, digits).shape == (7, TASK.seq_len)
    assert RunningSumTask().modulus == 2  # the page's running parity


def test_expert_is_the_running_sum_by_hand():
    digits = np.array([[1, 2, 3, 4], [4, 4, 4, 4]])
    assert expert_answers(TASK, digits).tolist() == [[1, 3, 1, 0], [4, 3, 2, 1]]  # mod 5
    assert demonstrations(TASK, digits)[0].tolist() == [1, 1, 2, 3, 3, 1, 4, 0]


def test_teacher_forcing_labels_are_the_next_sums_and_never_backspace():
    demos = demonstrations(TASK, sample_digits(TASK, 5, np.random.default_rng(1)))
    y = expert_labels(TASK, demos)
    np.testing.assert_array_equal(y[:, 0::2], demos[:, 1::2])  # after each digit: its running sum
    assert (y[:, 1::2] == IGNORE).all() and not (y == BK).any()


def test_expert_says_backspace_after_any_wrong_sum():
    text = np.array([[1, 1, 2, 4, 3, 2, 4, 1]])  # true sums 1, 3, 1, 0: a slip at sum 2, carried along
    assert expert_labels(TASK, text).tolist() == [[1, IGNORE, 3, IGNORE, BK, IGNORE, BK, IGNORE]]


def test_backspace_deletes_the_last_sum_and_its_digit():
    digits = np.array([[1, 2, 3, 4]])
    sums = np.array([[1, 0]])  # s_1 right, s_2 wrong (true 3)
    (e,) = write_answers(TASK, Always(BK), digits, 0.0, torch.Generator(), 3, sums=sums)
    assert e.text == [1] and e.actions == 3  # two deletions, then "⌫" on an empty answer changes nothing
    assert e.deleted_from == [[1, 1, 2, 0, 3], [1, 1, 2]]


def test_expert_takes_over_while_a_sum_is_wrong():
    digits = np.zeros((1, 4), dtype=np.int64)  # every running sum is 0
    sums = np.array([[0, 1]])  # a slip at sum 2
    (e,) = write_answers(TASK, Always(0), digits, 0.0, torch.Generator(), 10, sums=sums, takeover=True)
    assert e.text == [0] * 8 and e.deleted_from == [[0, 0, 0, 1, 0]] and e.actions == 4
    assert answers_right(TASK, [e]).tolist() == [True]
    (kept,) = write_answers(TASK, Always(0), digits, 0.0, torch.Generator(), 10, sums=sums)
    assert kept.deleted_from == [] and answers_right(TASK, [kept]).tolist() == [False]  # the slip stays


def test_injected_slips_are_wrong_sums():
    digits = sample_digits(TASK, 50, np.random.default_rng(2))
    episodes = write_answers(TASK, Always(0), digits, 0.0, torch.Generator(), 8, slip_rate=1.0,
                             rng=np.random.default_rng(3))
    texts = np.array([e.text for e in episodes])
    assert (texts[:, 1::2] != expert_answers(TASK, digits)).all()


def test_relabel_counts_each_state_of_an_episode_once():
    e = Episode(np.array([1, 2, 3, 4]), [1, 1, 2, 3, 3, 1, 4, 0], [[1, 1, 2, 0, 3]])  # deleted a slip, went on
    x, y, queries = relabel(TASK, e)
    assert x[0, :5].tolist() == [1, 1, 2, 0, 3] and y[0].tolist() == [1, IGNORE, 3, IGNORE, BK] + [IGNORE] * 3
    assert y[1].tolist() == [1, IGNORE, 3, IGNORE, 1, IGNORE, 0, IGNORE]  # the whole text, every label written
    assert queries == 5  # d_1 and d_1 s_1 d_2 are in both texts: asked once


def test_generation_is_seeded():
    model = tiny_gpt()
    digits = sample_digits(TASK, 6, np.random.default_rng(2))
    a = write_answers(TASK, model, digits, 1.0, torch.Generator().manual_seed(3), 8)
    b = write_answers(TASK, model, digits, 1.0, torch.Generator().manual_seed(3), 8)
    assert [e.text for e in a] == [e.text for e in b]
    assert all(e.text[0::2] == digits[i, : len(e.text[0::2])].tolist() for i, e in enumerate(a))


def test_fit_lowers_the_loss_on_demonstrations():
    model = tiny_gpt()
    demos = demonstrations(TASK, sample_digits(TASK, 64, np.random.default_rng(5)))
    losses = fit_labelled(model, demos, expert_labels(TASK, demos), TrainConfig(steps=30, batch_size=16,
                          warmup_steps=3), torch.Generator().manual_seed(0))
    assert len(losses) == 30 and np.mean(losses[-5:]) < np.mean(losses[:5])


def test_sft_and_dagger_spend_the_budget_and_are_repeatable():
    config = ImitationConfig(n_labels=64, steps=8, dagger_rounds=2, batch_size=8)
    outs, spent = [], []
    for method in (sft, sft, dagger, dagger):
        model, labels = method(TASK, tiny_gpt(), config, np.random.default_rng(0), torch.Generator().manual_seed(0))
        outs.append(torch.cat([p.flatten() for p in model.parameters()]))
        spent.append(labels)
    assert torch.equal(outs[0], outs[1]) and torch.equal(outs[2], outs[3])
    assert not torch.equal(outs[0], outs[2])
    assert spent[0] == 64 and 32 < spent[2] <= 64
