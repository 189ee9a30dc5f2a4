"""Dropout added to an existing GPT from the outside, with forward hooks, so `lmrl_utils.lm.gpt` stays as it is.

Dropout {Srivastava et al. 2014} zeroes each activation with probability p during training and scales the
survivors by 1 / (1 - p), so the expected activation is unchanged and evaluation needs no rescaling. GPT
{Radford et al. 2018} (and GPT-2's published configurations) put it in three places: on the embeddings (token +
position), on the attention weights after the softmax, and on the output of each residual branch (attention and
MLP) before it is added to the stream. Hooks reach the first and the third: the input of the first block is the
embedding sum, and each sub-layer's output is the branch. The attention weights live inside
`MultiHeadSelfAttention.forward`, which no hook sees, so that one is left out here.

The hooks drop only while the model is in training mode (`model.train()`); `model.eval()` turns them off, as
with `nn.Dropout`. Randomness comes from a `torch.Generator` passed in, never from the global state.

Example:
    >>> from lmrl_utils.lm.gpt import GPT, GPTConfig
    >>> model = GPT(GPTConfig(vocab_size=10, block_size=8, d_model=16, n_layers=2, n_heads=2))
    >>> handles = add_dropout(model, p=0.5, generator=torch.Generator().manual_seed(0))
    >>> len(handles)  # the embeddings, then attention and MLP of each of the 2 blocks
    5
    >>> x = torch.tensor([[1, 2, 3]])
    >>> torch.equal(model.eval()(x), model(x))  # evaluation mode: no dropout, the same output every time
    True
    >>> torch.equal(model.train()(x), model(x))  # training mode: a new mask every call
    False
    >>> for h in handles:
    ...     h.remove()
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from lmrl_utils.lm.gpt import GPT


def dropout(x: torch.Tensor, p: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Inverted dropout: zero each entry with probability p, scale the others by 1 / (1 - p).

    Like torch.nn.functional.dropout in training mode, but its mask comes from `generator`.
    Example: p = 0.5 turns each entry of ones into 0 or 2, with mean 1.
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    if p == 0.0:
        return x
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p  # same shape as x, True: kept
    return x * keep / (1.0 - p)


def add_dropout(model: GPT, p: float, generator: torch.Generator | None = None) -> list[RemovableHandle]:
    """Register dropout hooks on `model`: the embedding sum and every attention and MLP branch.

    Returns the hooks' handles; `handle.remove()` takes one off. Active only in training mode.
    """

    def on_output(module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
        return dropout(output, p, generator) if model.training else output  # (B, T, d_model)

    def on_first_input(module: nn.Module, inputs: tuple) -> tuple:
        (x,) = inputs  # (B, T, d_model): token + position embeddings
        return (dropout(x, p, generator),) if model.training else inputs

    handles = [model.blocks[0].register_forward_pre_hook(on_first_input)]
    for block in model.blocks:
        handles.append(block.attn.register_forward_hook(on_output))  # the attention branch, before "x +"
        handles.append(block.mlp.register_forward_hook(on_output))  # the MLP branch, before "x +"
    return handles
