"""Unit tests of lmrl_utils.lm.decoding: the filters on hand-made logits, sampling, beam search, the KV cache."""

from __future__ import annotations

import itertools

import pytest
import torch

from lmrl_utils.lm.decoding import (
    apply_temperature,
    beam_search,
    forward_with_cache,
    generate,
    top_k_filter,
    top_p_filter,
)
from lmrl_utils.lm.gpt import GPT, GPTConfig

pytestmark = pytest.mark.chapter("03_lm_training")

INF = float("inf")


def test_temperature():
    assert torch.equal(apply_temperature(torch.tensor([2.0, 4.0]), 2.0), torch.tensor([1.0, 2.0]))
    with pytest.raises(ValueError):
        apply_temperature(torch.zeros(3), 0.0)


def test_top_k():
    assert torch.equal(top_k_filter(torch.tensor([1.0, 3.0, 2.0]), 2), torch.tensor([-INF, 3.0, 2.0]))
    assert torch.equal(top_k_filter(torch.tensor([1.0, 3.0, 2.0]), 9), torch.tensor([1.0, 3.0, 2.0]))


@pytest.mark.parametrize("p, kept", [(0.3, [True, False, False]), (0.7, [True, True, False]),
                                     (0.81, [True, True, True]), (1.0, [True, True, True])])
def test_top_p_keeps_the_crossing_token(p, kept):
    z = torch.log(torch.tensor([0.5, 0.3, 0.2]))
    out = top_p_filter(z[[2, 0, 1]], p)  # unsorted input
    assert torch.isfinite(out).tolist() == [kept[2], kept[0], kept[1]]


def _model(seed: int, vocab: int = 6, scale: float = 10.0) -> GPT:
    torch.manual_seed(seed)
    model = GPT(GPTConfig(vocab_size=vocab, block_size=8, d_model=16, n_layers=1, n_heads=2)).eval()
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2:
                p.mul_(scale)
    return model


def test_generate_is_repeatable_and_crops_context():
    model = _model(0)
    prompt = torch.zeros(2, 7, dtype=torch.long)
    a = generate(model, prompt, 6, temperature=0.8, top_k=3, top_p=0.9, generator=torch.Generator().manual_seed(1))
    b = generate(model, prompt, 6, temperature=0.8, top_k=3, top_p=0.9, generator=torch.Generator().manual_seed(1))
    assert a.shape == (2, 13) and torch.equal(a, b)


def test_sampled_frequencies_follow_the_filtered_distribution():
    model = _model(3, scale=3.0)
    prompt = torch.tensor([[1, 2]])
    with torch.no_grad():
        probs = torch.softmax(top_k_filter(model(prompt)[0, -1], 3), -1)
    out = generate(model, prompt.repeat(5000, 1), 1, top_k=3, generator=torch.Generator().manual_seed(0))
    freq = torch.bincount(out[:, -1], minlength=6).float() / 5000
    torch.testing.assert_close(freq, probs, atol=0.03, rtol=0)


def test_beam_search_exhaustive_equals_brute_force_and_width_one_is_greedy():
    model = _model(4, vocab=4)
    prompt = torch.tensor([1, 3])

    def score(seq):
        full = torch.cat([prompt, torch.tensor(seq)])
        with torch.no_grad():
            lp = torch.log_softmax(model(full[None, :-1])[0], -1)
        return sum(lp[len(prompt) - 1 + i, s].item() for i, s in enumerate(seq))

    best = max(itertools.product(range(4), repeat=3), key=score)
    tokens, total = beam_search(model, prompt, 3, beam_width=16)
    assert tokens[2:].tolist() == list(best)
    assert abs(total - score(best)) < 1e-4
    greedy = generate(model, prompt[None], 3, temperature=0)[0]
    assert torch.equal(beam_search(model, prompt, 3, beam_width=1)[0], greedy)


def test_beam_search_finds_what_greedy_misses_on_a_hand_built_table():
    """Next-token probabilities 0.5/0.4 for a/b, then 0.36 after a but 0.7 after b: greedy takes a, a beam of 2 b."""

    class Table(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.config = GPTConfig(vocab_size=3, block_size=8)

        def forward(self, idx: torch.Tensor) -> torch.Tensor:
            last = idx[:, -1:]  # (B, 1); the prompt ends with token 2
            probs = torch.tensor([[0.36, 0.33, 0.31], [0.7, 0.2, 0.1], [0.5, 0.4, 0.1]])[last]  # (B, 1, 3)
            return probs.log().expand(-1, idx.shape[1], -1)

    prompt = torch.tensor([2])
    assert beam_search(Table(), prompt, 2, beam_width=1)[0].tolist() == [2, 0, 0]
    tokens, score = beam_search(Table(), prompt, 2, beam_width=2)
    assert tokens.tolist() == [2, 1, 0] and score == pytest.approx(float(torch.tensor(0.4 * 0.7).log()))


@pytest.mark.parametrize("chunks", [[6], [1, 1, 1, 1, 1, 1], [4, 1, 1], [2, 3, 1]])
def test_forward_with_cache_equals_the_full_forward_pass(chunks):
    model = _model(5, vocab=6, scale=2.0)
    seq = torch.randint(6, (2, 6), generator=torch.Generator().manual_seed(0))
    cache: list[dict[str, torch.Tensor]] = [{} for _ in model.blocks]
    with torch.no_grad():
        parts, start = [], 0
        for n in chunks:
            parts.append(forward_with_cache(model, seq[:, start:start + n], cache))
            start += n
        torch.testing.assert_close(torch.cat(parts, dim=1), model(seq), atol=1e-5, rtol=1e-4)
        assert cache[0]["k"].shape == (2, 2, 6, 8)
        forward_with_cache(model, seq[:, :2], cache)  # 6 + 2 = block_size 8: fits
        with pytest.raises(ValueError, match="block_size"):
            forward_with_cache(model, seq[:, :1], cache)
