"""Decoding: turning a language model's next-token logits into text. Reference code of Chapter 3's exercises.

The filters are pure functions of a logits tensor (..., V) that return a new tensor in which the tokens they
remove have logit -inf (probability 0 after the softmax). `generate` samples left to right with them;
`beam_search` keeps the best partial sequences; `forward_with_cache` runs new tokens through a GPT while keeping the
keys and values of earlier positions (the KV cache of `kv_cache.generate_cached`). The instructor notebook
`solutions/03_lm_training/decoding.ipynb` holds a second copy of each, kept equal by `tests/test_solution_sync.py`.

Example:
    >>> top_k_filter(torch.tensor([1.0, 3.0, 2.0]), 2)
    tensor([-inf, 3., 2.])
"""

from __future__ import annotations

import math

import torch
from torch import nn

# The graded items of this module: a graded exercise may use none of them (lmrl_utils.grading.provenance).
GRADED = ("apply_temperature", "top_k_filter", "top_p_filter", "generate", "beam_search", "forward_with_cache")


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """logits / temperature: below 1 sharpens the distribution, above 1 flattens it.

    Example: apply_temperature(torch.tensor([2.0, 4.0]), 2.0) -> tensor([1., 2.])
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}; use greedy decoding for temperature 0")
    return logits / temperature


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k largest logits of each row (ties with the k-th are kept too); set the others to -inf.

    Example: top_k_filter(torch.tensor([1.0, 3.0, 2.0]), 2) -> tensor([-inf, 3., 2.])
    """
    k = min(k, logits.shape[-1])
    kth_largest = torch.topk(logits, k, dim=-1).values[..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth_largest, float("-inf"))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus filter: keep the smallest set of most likely tokens whose probability reaches p (at least one).

    A token is kept when the tokens strictly more likely than it hold less than p of the mass, so the token
    that crosses p stays. Example: probabilities [0.5, 0.3, 0.2] and p = 0.7 keep the first two (0.5 < 0.7,
    then 0.8 >= 0.7).
    """
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
    probs = torch.softmax(sorted_logits, dim=-1)
    mass_before = torch.cumsum(probs, dim=-1) - probs  # mass of the more likely tokens, (..., V)
    remove_sorted = mass_before >= p  # the first token has mass_before 0 and is always kept
    remove = remove_sorted.scatter(-1, order, remove_sorted)  # back to the original token order
    return logits.masked_fill(remove, float("-inf"))


@torch.no_grad()
def generate(
    model: nn.Module,
    prompt: torch.Tensor,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Extend each row of `prompt` (B, T) by `max_new_tokens` tokens; returns (B, T + max_new_tokens).

    temperature 0 is greedy decoding (argmax); otherwise sample from softmax of the logits after temperature,
    then the top-k filter, then the top-p filter. The model sees at most its last block_size tokens.
    """
    idx = prompt
    for _ in range(max_new_tokens):
        context = idx[:, -model.config.block_size:]  # crop to the longest context the model knows
        logits = model(context)[:, -1, :]  # (B, V): the next-token logits after the last position
        if temperature == 0:
            next_token = logits.argmax(dim=-1, keepdim=True)  # (B, 1)
        else:
            logits = apply_temperature(logits, temperature)
            if top_k is not None:
                logits = top_k_filter(logits, top_k)
            if top_p is not None:
                logits = top_p_filter(logits, top_p)
            probs = torch.softmax(logits, dim=-1)
            next_token = torch.multinomial(probs, 1, generator=generator)  # (B, 1)
        idx = torch.cat([idx, next_token], dim=1)
    return idx


@torch.no_grad()
def beam_search(
    model: nn.Module, prompt: torch.Tensor, max_new_tokens: int, beam_width: int
) -> tuple[torch.Tensor, float]:
    """The continuation of `prompt` (T,) with the highest total log-probability that beam search finds.

    Keeps the `beam_width` best partial sequences (by the sum of their tokens' log-probabilities), extends each
    by every token, and prunes back. beam_width 1 is greedy decoding; a wider beam usually, not always, ends with
    a likelier sequence. Every beam has max_new_tokens new tokens, so the sums need no length normalisation.
    Returns (tokens (T + max_new_tokens,), the sum of the new tokens' log-probabilities).
    """
    beams = prompt.unsqueeze(0)  # (1, T): one beam to start
    scores = torch.zeros(1)  # (n_beams,) total log-probability of each beam's new tokens
    for _ in range(max_new_tokens):
        logits = model(beams[:, -model.config.block_size:])[:, -1, :]  # (n_beams, V)
        log_probs = torch.log_softmax(logits, dim=-1)
        V = log_probs.shape[-1]
        candidates = (scores[:, None] + log_probs).flatten()  # (n_beams * V,) every one-token extension
        top = torch.topk(candidates, min(beam_width, candidates.numel()))  # sorted, best first
        parent, token = top.indices // V, top.indices % V
        beams = torch.cat([beams[parent], token[:, None]], dim=1)
        scores = top.values
    return beams[0], scores[0].item()


def forward_with_cache(model: nn.Module, idx: torch.Tensor, cache: list[dict[str, torch.Tensor]]) -> torch.Tensor:
    """Logits (B, T_new, V) of new tokens idx (B, T_new) that follow the P positions whose keys `cache` holds.

    Causal attention never changes an earlier position's keys and values, so they are kept instead of recomputed.
    `cache` (one dict per block, empty before the first call) gets the new keys and values appended in place:
    cache[i]["k"], cache[i]["v"] of shape (B, n_heads, P + T_new, d_head). The logits equal
    model(all tokens so far)[:, P:]; raises ValueError when P + T_new > block_size (no position vector left).
    """
    B, T = idx.shape
    P = cache[0]["k"].shape[2] if "k" in cache[0] else 0  # positions already in the cache
    if P + T > model.config.block_size:
        raise ValueError(f"{P} cached + {T} new positions > block_size={model.config.block_size}")
    x = model.tok_emb(idx) + model.pos_emb(torch.arange(P, P + T, device=idx.device))  # (B, T, d): positions P..
    # new token i sits at position P + i and may attend to positions 0 .. P + i: the mask's diagonal moves by P
    mask = torch.ones(T, P + T, dtype=torch.bool, device=idx.device).tril(diagonal=P)  # (T, P + T)
    for block, kv in zip(model.blocks, cache, strict=True):
        attn = block.attn
        C = x.shape[-1]
        h, d_head = attn.n_heads, C // attn.n_heads
        a = block.ln1(x)
        q, k, v = (proj(a).view(B, T, h, d_head).transpose(1, 2) for proj in (attn.q_proj, attn.k_proj, attn.v_proj))
        if "k" in kv:  # (B, h, P, d_head) + (B, h, T, d_head) -> (B, h, P + T, d_head)
            k, v = torch.cat([kv["k"], k], dim=2), torch.cat([kv["v"], v], dim=2)
        kv["k"], kv["v"] = k, v
        scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)  # (B, h, T, P + T)
        weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        x = x + attn.out_proj((weights @ v).transpose(1, 2).reshape(B, T, C))  # (B, T, d)
        x = x + block.mlp(block.ln2(x))
    return model.head(model.ln_f(x))  # (B, T, V)
