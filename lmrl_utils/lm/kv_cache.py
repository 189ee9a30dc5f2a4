"""Generation with a KV cache: each new token attends to stored keys and values instead of recomputing them.

`decoding.generate` runs the whole context through the model for every new token: O(T) positions per step.
Causal attention never changes the keys and values of earlier positions, so they can be kept: each step then
processes one position. This module does that with the weights of an `lmrl_utils.lm.gpt.GPT` (same numbers, up to
floating-point rounding) through `decoding.forward_with_cache` (a graded exercise of Chapter 3), and is used by the
chapter's generation page and speed benchmark (`bench/lm_speed.py`).

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

import torch

from lmrl_utils.lm.decoding import forward_with_cache
from lmrl_utils.lm.gpt import GPT


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
    logits = forward_with_cache(model, prompt, cache)[:, -1]  # prefill: the whole prompt at once, (B, V)
    out = [prompt]
    for i in range(max_new_tokens):
        if temperature == 0:
            token = logits.argmax(dim=-1)
        else:
            token = torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1, generator=generator)[:, 0]
        out.append(token[:, None])
        if i + 1 < max_new_tokens:
            logits = forward_with_cache(model, token[:, None], cache)[:, -1]  # one new position, (B, V)
    return torch.cat(out, dim=1)
