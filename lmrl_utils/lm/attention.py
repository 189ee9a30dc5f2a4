"""Attention from scratch: the reference implementations of Chapter 1's graded exercises.

Later chapters import these (the GPT of Chapter 3 is built from `MultiHeadSelfAttention`). The instructor
notebook `solutions/01_attention/attention.ipynb` carries a second copy of each function body for students to
read; `tests/test_solution_sync.py` keeps the two equal.
"""

from __future__ import annotations

import math

import torch
from torch import nn

# The graded items of this module: a graded exercise may use none of them (lmrl_utils.grading.provenance).
GRADED = (
    "softmax",
    "causal_mask",
    "scaled_dot_product_attention",
    "MultiHeadSelfAttention",
    "sinusoidal_positional_encoding",
    "padded_causal_attention",
)


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax along `dim`, stable for huge logits because it subtracts the maximum first.

    Example: softmax(torch.tensor([1e4, 1e4 - math.log(3)])) -> tensor([0.75, 0.25])
    """
    shifted = x - x.amax(dim=dim, keepdim=True)  # the largest entry becomes 0: exp never overflows
    e = torch.exp(shifted)
    return e / e.sum(dim=dim, keepdim=True)


def scaled_dot_product_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """softmax(q kᵀ / √d_k) v, where mask (True = may attend) hides the positions a query must not see.

    Shapes: q (..., T_q, d_k), k (..., T_k, d_k), v (..., T_k, d_v), mask broadcastable to (..., T_q, T_k);
    returns (..., T_q, d_v). Example: the two-token case of Chapter 1 turns scores 112 and 96 into weights
    0.88 and 0.12.
    """
    d_k = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (..., T_q, T_k)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))  # a hidden position gets weight exactly 0
    weights = torch.softmax(scores, dim=-1)  # (..., T_q, T_k), each row sums to 1
    return weights @ v  # (..., T_q, d_v)


def causal_mask(T: int) -> torch.Tensor:
    """A (T, T) boolean mask, True on and below the diagonal: position t may attend to positions 0..t.

    Example: causal_mask(3) -> [[True, False, False], [True, True, False], [True, True, True]]
    """
    return torch.tril(torch.ones(T, T, dtype=torch.bool))


class MultiHeadSelfAttention(nn.Module):
    """Self-attention with `n_heads` heads of size d_model // n_heads, concatenated and projected by W^O."""

    def __init__(self, d_model: int, n_heads: int, causal: bool = False) -> None:
        super().__init__()
        if d_model % n_heads != 0:
            raise ValueError(f"d_model={d_model} must be divisible by n_heads={n_heads}")
        self.d_model = d_model
        self.n_heads = n_heads
        self.causal = causal
        self.q_proj = nn.Linear(d_model, d_model)  # W^Q for all heads at once
        self.k_proj = nn.Linear(d_model, d_model)  # W^K
        self.v_proj = nn.Linear(d_model, d_model)  # W^V
        self.out_proj = nn.Linear(d_model, d_model)  # W^O

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T, d_model) -> (B, T, d_model)."""
        B, T, C = x.shape
        h = self.n_heads
        d_head = C // h

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(B, T, h, d_head).transpose(1, 2)  # (B, T, C) -> (B, h, T, d_head)

        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        mask = causal_mask(T).to(x.device) if self.causal else None
        y = scaled_dot_product_attention(q, k, v, mask)  # (B, h, T, d_head)
        y = y.transpose(1, 2).reshape(B, T, C)  # concatenate the heads: (B, T, C)
        return self.out_proj(y)


def sinusoidal_positional_encoding(T: int, d: int) -> torch.Tensor:
    """The (T, d) table PE[t, 2i] = sin(t / 10000^(2i/d)), PE[t, 2i+1] = cos(t / 10000^(2i/d)).

    Example: row 0 is [0, 1, 0, 1, ...] because sin(0) = 0 and cos(0) = 1.
    """
    pe = torch.zeros(T, d)
    t = torch.arange(T, dtype=torch.float32).unsqueeze(1)  # (T, 1)
    two_i = torch.arange(0, d, 2, dtype=torch.float32)  # (ceil(d/2),): the even indices 2i
    angle = t / torch.pow(10000.0, two_i / d)  # (T, ceil(d/2))
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d // 2])  # odd d: one fewer cosine column
    return pe


def padded_causal_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Causal attention over a batch of padded sequences: no query sees the future or padding; padding outputs 0.

    Shapes: q, k (B, h, T, d_k), v (B, h, T, d_v), valid (B, T) bool, True at real tokens; returns (B, h, T, d_v).
    A padding query has no key it may see, so its row of scores is all hidden; a finite fill keeps the forward
    and backward passes free of NaN, and the row's weights are then set to 0. Example (left padding):
    >>> q = k = v = torch.eye(3).expand(1, 1, 3, 3)
    >>> padded_causal_attention(q, k, v, torch.tensor([[False, True, True]]))[0, 0, :2]
    tensor([[0., 0., 0.],
            [0., 1., 0.]])
    """
    T = q.shape[-2]
    mask = causal_mask(T).to(q.device) & valid[:, None, None, :]  # (B, 1, T_q, T_k): past or present, real key
    mask = mask & valid[:, None, :, None]  # a padding query may see nothing
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (B, h, T_q, T_k)
    scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)  # finite: an all-hidden row gives no NaN
    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)  # hidden keys and padding rows: weight 0
    return weights @ v  # (B, h, T_q, d_v)
