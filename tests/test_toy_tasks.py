"""The toy tasks of Chapter 1: data, shapes, weights that are real softmax rows, and quick training."""

import numpy as np
import pytest
import torch

from lmrl_utils.lm.attention import MultiHeadSelfAttention
from lmrl_utils.lm.toy_tasks import (
    PAD,
    ReversalAttention,
    ReversalConfig,
    ReversalGRU,
    TinyCausalLM,
    attention_weights,
    encode,
    reversal_accuracy,
    reversal_batch,
    sample_sentence,
    self_attention_weights,
    train_reversal,
    train_tiny_lm,
    vocabulary,
)

pytestmark = [pytest.mark.chapter("01_attention"), pytest.mark.usefixtures("one_torch_thread")]


def test_attention_weights_match_the_softmax_of_scaled_scores():
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(2, 3, 8, generator=g), torch.randn(2, 5, 8, generator=g)
    expected = torch.softmax(q @ k.transpose(-2, -1) / 8**0.5, dim=-1)
    torch.testing.assert_close(attention_weights(q, k), expected)
    # the docstring's example
    w = attention_weights(torch.tensor([[1.0, 0.0]]), torch.eye(2))
    torch.testing.assert_close(w, torch.softmax(torch.tensor([[2**-0.5, 0.0]]), -1))


def test_self_attention_weights_are_causal_and_reproduce_the_layer_output():
    with torch.random.fork_rng():
        torch.manual_seed(0)
        layer = MultiHeadSelfAttention(8, 2, causal=True)
    x = torch.randn(3, 5, 8, generator=torch.Generator().manual_seed(1))
    w = self_attention_weights(layer, x)  # (B, h, T, T)
    assert w.shape == (3, 2, 5, 5)
    torch.testing.assert_close(w.sum(-1), torch.ones(3, 2, 5))
    assert torch.all(w.triu(diagonal=1) == 0)  # no weight on future positions
    v = layer.v_proj(x).view(3, 5, 2, 4).transpose(1, 2)
    y = layer.out_proj((w @ v).transpose(1, 2).reshape(3, 5, 8))
    torch.testing.assert_close(y, layer(x))


def test_reversal_batch_is_reversed_and_reproducible():
    x, y = reversal_batch(4, 6, 10, torch.Generator().manual_seed(3))
    assert x.shape == y.shape == (4, 6)
    assert torch.equal(y, x.flip(-1))
    x2, _ = reversal_batch(4, 6, 10, torch.Generator().manual_seed(3))
    assert torch.equal(x, x2)


def test_reversal_model_shapes_and_rows_sum_to_one():
    model = ReversalAttention(vocab_size=10, seq_len=6, d_model=16)
    logits, alpha = model(torch.zeros(2, 6, dtype=torch.long))
    assert logits.shape == (2, 6, 10) and alpha.shape == (2, 6, 6)  # (B, T_out, T_in)
    torch.testing.assert_close(alpha.sum(-1), torch.ones(2, 6))


def test_training_reverses_and_learns_the_anti_diagonal():
    state = torch.random.get_rng_state()
    config = ReversalConfig(seq_len=6, steps=200)
    model, losses = train_reversal(config, seed=0)
    assert torch.equal(state, torch.random.get_rng_state())  # the caller's global RNG is untouched
    assert losses[-1] < 0.1 * losses[0]
    assert reversal_accuracy(model, config) > 0.95
    x, _ = reversal_batch(256, 6, 10, torch.Generator().manual_seed(99))
    _, alpha = model(x)
    assert alpha.mean(0).flip(-1).diagonal().min() > 0.5  # output t attends mostly to input T-1-t


def test_without_positions_attention_cannot_reverse():
    config = ReversalConfig(seq_len=6, steps=150, positions=False)
    model, _ = train_reversal(config, seed=0)
    assert torch.all(model.pos == 0)
    assert reversal_accuracy(model, config, n=300) < 0.5  # it only sees a bag of digits


def test_gru_without_attention_runs_and_unknown_arch_fails():
    config = ReversalConfig(seq_len=5, steps=5, arch="gru")
    model, losses = train_reversal(config, seed=0)
    assert isinstance(model, ReversalGRU) and len(losses) == 5
    logits, alpha = model(torch.zeros(3, 5, dtype=torch.long))
    assert logits.shape == (3, 5, 10) and alpha is None
    assert 0.0 <= reversal_accuracy(model, config, n=50) <= 1.0
    with pytest.raises(ValueError, match="arch"):
        train_reversal(ReversalConfig(arch="lstm"), seed=0)


def test_template_language():
    rng = np.random.default_rng(0)
    vocab = vocabulary()
    assert vocab[0] == PAD and len(vocab) == len(set(vocab))
    sentences = [sample_sentence(rng) for _ in range(200)]
    assert all(len(s) in (10, 11) and s[0] == "The" and s[-1] == "." for s in sentences)
    stoi = {w: i for i, w in enumerate(vocab)}
    ids = encode(sentences[:3], stoi)
    assert ids.shape[0] == 3 and ids.dtype == torch.long


def test_tiny_lm_trains_and_attends_to_the_word_that_decides_the_next_one():
    model, vocab, losses = train_tiny_lm(n_sentences=1000, steps=300, seed=0)
    assert losses[-1] < 0.3 * losses[0]
    stoi = {w: i for i, w in enumerate(vocab)}
    ids = encode(["The FBI is chasing a criminal on the run .".split()], stoi)
    assert isinstance(model, TinyCausalLM)
    w = model.attention(ids)[0, 0]  # (T, T), one head
    # "a" (position 4) looks at the verb to predict the object; "the" (7) at the object to predict the place
    assert w[4, 3] > 0.5 and w[7, 5] > 0.5
