"""Chapter 3's ungraded helpers: attention maps of a GPT, dropout hooks, generation that stops, beam search with
ends and length normalisation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lmrl_utils.lm.attention_maps import (
    attention_maps,
    diagonal_score,
    first_token_score,
    mean_distance,
    uniform_causal_weights,
)
from lmrl_utils.lm.decoding import beam_search
from lmrl_utils.lm.gpt import GPT, GPTConfig
from lmrl_utils.lm.regularization import add_dropout, dropout
from lmrl_utils.lm.stopping import (
    EOS,
    beam_hypotheses,
    beam_search_with_end,
    best_hypothesis,
    generate_until,
    is_template_sentence,
    length_normalised,
    template_language_stream,
)

pytestmark = [pytest.mark.chapter("03_lm_training"), pytest.mark.usefixtures("one_torch_thread")]


def small_gpt(seed: int = 0, vocab_size: int = 12) -> GPT:
    torch.manual_seed(seed)
    return GPT(GPTConfig(vocab_size=vocab_size, block_size=16, d_model=16, n_layers=2, n_heads=4)).eval()


def test_attention_maps_reproduce_the_forward_pass():
    model = small_gpt()
    idx = torch.randint(12, (3, 10), generator=torch.Generator().manual_seed(1))
    logits, maps = attention_maps(model, idx)
    torch.testing.assert_close(logits, model(idx), rtol=1e-5, atol=1e-5)
    assert len(maps) == 2 and maps[0].shape == (3, 4, 10, 10)
    torch.testing.assert_close(maps[1].sum(-1), torch.ones(3, 4, 10))  # each row is a distribution
    assert torch.all(maps[0].triu(diagonal=1) == 0), "a position attended to a later one"


def test_ablating_a_head_equals_zeroing_its_slice_of_the_output_projection():
    model = small_gpt()
    idx = torch.randint(12, (2, 9), generator=torch.Generator().manual_seed(4))
    ablated, _ = attention_maps(model, idx, ablate=[(1, 2)])
    d_head = model.config.d_model // model.config.n_heads
    with torch.no_grad():
        model.blocks[1].attn.out_proj.weight[:, 2 * d_head: 3 * d_head] = 0.0  # W^O never reads head 2
    torch.testing.assert_close(ablated, model(idx), rtol=1e-5, atol=1e-5)
    assert not torch.allclose(ablated, attention_maps(model, idx, ablate=[(0, 2)])[0])


def test_scores_on_hand_built_heads():
    T = 5
    previous = torch.zeros(1, 1, T, T)
    previous[0, 0, 0, 0] = 1.0
    previous[0, 0, torch.arange(1, T), torch.arange(T - 1)] = 1.0  # every position reads the one before it
    assert diagonal_score(previous, -1).item() == 1.0
    assert diagonal_score(previous, 0).item() == pytest.approx(1 / T)  # only position 0 reads itself
    assert first_token_score(previous).item() == pytest.approx(1 / (T - 1))  # only position 1 reads position 0
    uniform = uniform_causal_weights(4)
    assert first_token_score(uniform).item() == pytest.approx((1 / 2 + 1 / 3 + 1 / 4) / 3)
    assert mean_distance(previous).item() == pytest.approx((T - 1) / T)
    assert mean_distance(uniform_causal_weights(3)).item() == pytest.approx(0.5)
    two_heads = torch.cat([previous, uniform_causal_weights(T)], dim=1).repeat(2, 1, 1, 1)  # (2, 2, T, T)
    assert diagonal_score(two_heads, -1).shape == (2,)


def test_dropout_keeps_the_mean_and_stops_in_eval_mode():
    x = torch.ones(100_000)
    y = dropout(x, 0.3, torch.Generator().manual_seed(0))
    assert y.unique().tolist() == pytest.approx([0.0, 1 / 0.7])
    assert abs(y.mean().item() - 1.0) < 0.02
    assert (y == 0).float().mean().item() == pytest.approx(0.3, abs=0.01)
    with pytest.raises(ValueError):
        dropout(x, 1.0)
    model = small_gpt()
    idx = torch.tensor([[1, 2, 3, 4]])
    before = model(idx)
    handles = add_dropout(model, 0.5, torch.Generator().manual_seed(0))
    assert torch.equal(model.eval()(idx), before), "dropout must be off in eval mode"
    assert not torch.equal(model.train()(idx), before)
    for h in handles:
        h.remove()
    assert torch.equal(model.train()(idx), before), "removed hooks must leave the model as it was"


def test_dropout_hooks_are_seeded_by_their_generator():
    outs = []
    for _ in range(2):
        model = small_gpt().train()
        add_dropout(model, 0.2, torch.Generator().manual_seed(3))
        outs.append(model(torch.tensor([[1, 2, 3]])))
    torch.testing.assert_close(outs[0], outs[1])


def test_template_stream_ends_every_sentence():
    ids, vocab = template_language_stream(5, np.random.default_rng(0))
    eos = vocab.index(EOS)
    assert ids[0] == eos and ids[-1] == eos and int((ids == eos).sum()) == 6
    ends = torch.nonzero(ids == eos).flatten()
    assert all(vocab[int(ids[i - 1])] == "." for i in ends[1:]), "every sentence ends with '.' before the end token"


def test_sampled_template_sentences_are_valid_and_broken_ones_are_not():
    ids, vocab = template_language_stream(50, np.random.default_rng(3))
    words = [vocab[i] for i in ids.tolist()]
    sentences = " ".join(words).split(EOS)[1:-1]
    assert len(sentences) == 50 and all(is_template_sentence(s.split()) for s in sentences)
    good = "The dog is chasing a big ball on the grass .".split()
    assert is_template_sentence(good) and is_template_sentence(good[:5] + good[6:])
    for i, wrong in [(2, "are"), (3, "reading"), (6, "movie"), (9, "desk"), (10, "on"), (5, "dog")]:
        assert not is_template_sentence(good[:i] + [wrong] + good[i + 1:]), (i, wrong)
    assert not is_template_sentence(good[:-1]) and not is_template_sentence(good + ["."])


def test_generate_until_stops_for_each_reason():
    model = small_gpt()
    prompt = torch.tensor([1, 2])
    greedy = generate_until(model, prompt, 8, temperature=0)
    assert greedy.reason == "length" and len(greedy.tokens) == 8
    first = greedy.tokens[0]
    assert generate_until(model, prompt, 8, end_ids={first}, temperature=0).tokens == [first]

    def text(ids):
        return "".join(chr(ord("a") + i) for i in ids)

    target = text(greedy.tokens[2:4])
    stopped = generate_until(model, prompt, 8, stop_strings=[target], decode=text, temperature=0)
    assert stopped.reason == "stop string" and target in text(stopped.tokens)
    assert target not in text(stopped.tokens[:-1]), "generation went on after the stop string appeared"
    with pytest.raises(ValueError):
        generate_until(model, prompt, 8, stop_strings=["x"])


def test_length_normalisation():
    assert length_normalised(-6.0, 4, 0.0) == -6.0
    assert length_normalised(-6.0, 4, 1.0) == -1.5
    assert length_normalised(-6.0, 4, 0.5) == pytest.approx(-3.0)


def test_beam_search_with_end_matches_plain_beam_search_without_ends():
    model = small_gpt(vocab_size=6)
    prompt = torch.tensor([1, 2, 3])
    tokens, score, ended = beam_search_with_end(model, prompt, 5, beam_width=3, end_ids=())
    ref_tokens, ref_score = beam_search(model, prompt, 5, beam_width=3)
    assert not ended and tokens == ref_tokens[3:].tolist()
    assert score == pytest.approx(ref_score, abs=1e-5)


def test_beam_search_with_end_prefers_longer_hypotheses_as_alpha_grows():
    model = small_gpt(seed=2, vocab_size=6)
    prompt = torch.tensor([1, 2, 3])
    finished, live = beam_hypotheses(model, prompt, 8, beam_width=4, end_ids={0})
    assert finished and all(t[-1] == 0 and 0 not in t[:-1] for t, _ in finished)
    lengths, scores = [], []
    for alpha in (0.0, 1.0, 3.0):
        tokens, score = best_hypothesis(finished, live, alpha)
        logp = torch.log_softmax(model(torch.cat([prompt, torch.tensor(tokens)])[None])[0], -1)
        exact = sum(logp[len(prompt) - 1 + i, t].item() for i, t in enumerate(tokens))
        assert score == pytest.approx(exact, abs=1e-4), "the returned score is the tokens' total log-probability"
        lengths.append(len(tokens))
        scores.append(score)
    assert lengths == sorted(lengths) and scores == sorted(scores, reverse=True) and lengths[0] < lengths[-1]
    assert beam_search_with_end(model, prompt, 8, 4, {0}, alpha=1.0) == (*best_hypothesis(finished, live, 1.0), True)
    assert math.isfinite(scores[-1])
