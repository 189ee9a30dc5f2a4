"""Inside a trained GPT: the attention weights of every head, and scores that name what a head does.

`GPT.forward` returns logits only. `attention_maps` runs the same blocks from the same weights, step by step as
`lmrl_utils.lm.gpt.Block` does, and keeps each layer's softmax weights on the way, so the maps are exactly the
weights that produced the model's output (a unit test checks the logits agree). The scores average a map's
weights along a pattern: the previous token (offset -1), the token itself (offset 0), the first position of the
window (where heads with nothing to do often park their weight, an "attention sink").

Example:
    >>> from lmrl_utils.lm.gpt import GPT, GPTConfig
    >>> _ = torch.manual_seed(0)
    >>> model = GPT(GPTConfig(vocab_size=10, block_size=8, d_model=16, n_layers=2, n_heads=2)).eval()
    >>> logits, maps = attention_maps(model, torch.tensor([[1, 2, 3, 4]]))
    >>> logits.shape, len(maps), maps[0].shape
    (torch.Size([1, 4, 10]), 2, torch.Size([1, 2, 4, 4]))
    >>> diagonal_score(torch.eye(3)[None, None], offset=0).item()  # a head that only looks at itself
    1.0
"""

from __future__ import annotations

from collections.abc import Collection

import torch

from lmrl_utils.lm.attention import causal_mask
from lmrl_utils.lm.gpt import GPT
from lmrl_utils.lm.toy_tasks import self_attention_weights


@torch.no_grad()
def attention_maps(
    model: GPT, idx: torch.Tensor, ablate: Collection[tuple[int, int]] = ()
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """(logits (B, T, V), [weights (B, n_heads, T, T) of each layer]) of `model` on token ids idx (B, T).

    weights[l][b, h, t, s] is how much position t of layer l, head h, reads position s (0 for s > t).
    `ablate` lists (layer, head) pairs whose output is zeroed before W^O: the logits of the model without them.
    """
    B, T = idx.shape
    x = model.tok_emb(idx) + model.pos_emb(torch.arange(T, device=idx.device))  # (B, T, d)
    maps = []
    for block in model.blocks:
        attn = block.attn
        C = x.shape[-1]
        h, d_head = attn.n_heads, C // attn.n_heads
        a = block.ln1(x)
        weights = self_attention_weights(attn, a)  # (B, h, T, T), causal as the GPT's attention is
        v = attn.v_proj(a).view(B, T, h, d_head).transpose(1, 2)  # (B, h, T, d_head)
        maps.append(weights)
        heads = weights @ v  # (B, h, T, d_head): each head's output
        for layer, head in ablate:
            if model.blocks[layer] is block:
                heads[:, head] = 0.0
        x = x + attn.out_proj(heads.transpose(1, 2).reshape(B, T, C))  # the attention sub-layer
        x = x + block.mlp(block.ln2(x))  # the MLP sub-layer
    return model.head(model.ln_f(x)), maps


def diagonal_score(weights: torch.Tensor, offset: int = -1) -> torch.Tensor:
    """Mean weight a position puts on the position `offset` away from it, per head: (B, h, T, T) -> (h,).

    Averaged over the batch and the positions that have such a neighbour. offset -1: the previous token (rows
    1..T-1); offset 0: the token itself. Example: a head that always reads the previous token scores 1.0 at -1.
    """
    diag = torch.diagonal(weights, offset=offset, dim1=-2, dim2=-1)  # (B, h, T - |offset|)
    return diag.mean(dim=-1).reshape(-1, weights.shape[-3]).mean(dim=0)


def first_token_score(weights: torch.Tensor, skip: int = 1) -> torch.Tensor:
    """Mean weight that positions skip..T-1 put on position 0, per head: (B, h, T, T) -> (h,).

    Position 0 can only read itself, so it is left out (skip = 1). Example: uniform causal weights over T = 4
    positions put 1/2, 1/3, 1/4 on position 0 from positions 1, 2, 3: a score of 0.361.
    """
    return weights[..., skip:, 0].mean(dim=-1).reshape(-1, weights.shape[-3]).mean(dim=0)


def mean_distance(weights: torch.Tensor) -> torch.Tensor:
    """How far back a head reads on average, sum_s w[t, s] (t - s) averaged over positions t: (B, h, T, T) -> (h,).

    0 for a head that reads only the token itself, 1 for a previous-token head. Example: uniform causal weights
    over T = 3 positions read 0, 0.5 and 1 positions back: a mean distance of 0.5.
    """
    T = weights.shape[-1]
    back = (torch.arange(T)[:, None] - torch.arange(T)[None, :]).clamp(min=0).to(weights.dtype)  # (T, T): t - s
    return (weights * back).sum(-1).mean(-1).reshape(-1, weights.shape[-3]).mean(dim=0)


def uniform_causal_weights(T: int) -> torch.Tensor:
    """(1, 1, T, T) weights of a head that spreads its attention evenly over the positions it may see.

    The baseline of the scores: a pattern is recognisable when a head scores well above this head.
    Example: uniform_causal_weights(2)[0, 0] -> [[1, 0], [0.5, 0.5]].
    """
    mask = causal_mask(T).float()
    return (mask / mask.sum(dim=-1, keepdim=True))[None, None]
