"""Generation with a KV cache: each new token attends to stored keys and values instead of recomputing them.

`decoding.generate` runs the whole context through the model for every new token: O(T) positions per step.
Causal attention never changes the keys and values of earlier positions, so they can be kept: each step then
processes one position. This module does that with the weights of an `lmrl_utils.lm.gpt.GPT` (same numbers, up to
floating-point rounding) and is used by the chapter's speed benchmark (`bench/lm_speed.py`).

Example:
    >>> from lmrl_utils.lm.decoding import generate
    >>> from lmrl_utils.lm.gpt import GPTConfig
    >>> _ = torch.manual_seed(0)
    >>> model = GPT(GPTConfig(vocab_size=10, block_size=16, d_model=16, n_layers=1, n_heads=2)).eval()
    >>> prompt = torch.tensor([[1, 2, 3]])
    >>> torch.equal(generate_cached(model, prompt, 5, temperature=0), generate(model, prompt, 5, temperature=0))
    True
"""

from __future__ import annotations

import math

import torch

from lmrl_utils.lm.gpt import GPT


def _step(model: GPT, token: torch.Tensor, pos: int, cache: list[dict[str, torch.Tensor]]) -> torch.Tensor:
    """Run one position (token (B,) at position `pos`) through the model, extending `cache`; logits (B, V)."""
    x = model.tok_emb(token) + model.pos_emb.weight[pos]  # (B, d)
    for block, kv in zip(model.blocks, cache, strict=True):
        attn = block.attn
        B, C = x.shape
        h, d_head = attn.n_heads, C // attn.n_heads
        a = block.ln1(x)
        q = attn.q_proj(a).view(B, h, 1, d_head)
        k = attn.k_proj(a).view(B, h, 1, d_head)
        v = attn.v_proj(a).view(B, h, 1, d_head)
        kv["k"] = k if kv.get("k") is None else torch.cat([kv["k"], k], dim=2)  # (B, h, t, d_head)
        kv["v"] = v if kv.get("v") is None else torch.cat([kv["v"], v], dim=2)
        weights = torch.softmax(q @ kv["k"].transpose(-2, -1) / math.sqrt(d_head), dim=-1)  # (B, h, 1, t)
        x = x + attn.out_proj((weights @ kv["v"]).reshape(B, C))  # no mask needed: the cache holds the past only
        x = x + block.mlp(block.ln2(x))
    return model.head(model.ln_f(x))


@torch.no_grad()
def generate_cached(
    model: GPT,
    prompt: torch.Tensor,
    max_new_tokens: int,
    temperature: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Like `decoding.generate` (greedy for temperature 0, else plain sampling), with a KV cache.

    The total length must fit the model's block_size (a cache cannot slide past its learned positions cheaply).
    """
    B, T = prompt.shape
    if T + max_new_tokens > model.config.block_size:
        raise ValueError(f"prompt + new tokens = {T + max_new_tokens} > block_size {model.config.block_size}")
    cache: list[dict[str, torch.Tensor]] = [{} for _ in model.blocks]
    logits = None
    for pos in range(T):  # prefill: one position at a time keeps the code short
        logits = _step(model, prompt[:, pos], pos, cache)
    out = [prompt]
    for i in range(max_new_tokens):
        if temperature == 0:
            token = logits.argmax(dim=-1)
        else:
            token = torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1, generator=generator)[:, 0]
        out.append(token[:, None])
        if i + 1 < max_new_tokens:
            logits = _step(model, token, T + i, cache)
    return torch.cat(out, dim=1)
