"""A small GPT and its training: the reference implementations of Chapter 3's graded exercises.

The instructor notebook `solutions/03_lm_training/lm.ipynb` carries a second copy of each function and class
below for students to read; `tests/test_solution_sync.py` keeps the two equal. The attention layer is
Chapter 1's `MultiHeadSelfAttention`. Helpers that are not exercises live beside this file: `data` (the character
tokenizer of the synthetic language, the English text in Chapter 2's BPE tokens), `validation` (held-out loss,
`fit`), `pretrained` (trained weights on disk), `kv_cache`
(generation with a KV cache) and `decoding` (the decoding exercises).

Example:
    >>> cfg = GPTConfig(vocab_size=20, block_size=16, d_model=32, n_layers=2, n_heads=4)
    >>> GPT(cfg)(torch.zeros(3, 5, dtype=torch.long)).shape
    torch.Size([3, 5, 20])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from tqdm import tqdm

from lmrl_utils.lm.attention import MultiHeadSelfAttention

# The graded items of this module: a graded exercise may use none of them (lmrl_utils.grading.provenance).
GRADED = ("token_cross_entropy", "perplexity", "sample_batch", "GPT", "train_step", "lr_at", "train")
ANSWER_PARTS = ("Block",)  # not graded by itself, but half of GPT's answer: the student build leaves it out too


@dataclass(frozen=True)
class GPTConfig:
    """The shape of a GPT; frozen, so it can key the cache of trained weights."""

    vocab_size: int = 128  # number of token ids (the tokenizer's vocabulary size)
    block_size: int = 64  # longest context, in tokens: the number of learned position vectors
    d_model: int = 64  # width of every token vector (the residual stream)
    n_layers: int = 2  # number of transformer blocks
    n_heads: int = 4  # attention heads per block; d_model must be divisible by it


@dataclass(frozen=True)
class TrainConfig:
    """How to train: AdamW with linear warm-up, cosine decay and gradient clipping."""

    steps: int = 1000  # optimizer steps (one mini-batch each)
    batch_size: int = 32  # windows per mini-batch
    max_lr: float = 3e-3  # peak learning rate, reached at the end of warm-up
    min_lr: float = 3e-4  # learning rate at the end of the cosine decay
    warmup_steps: int = 50  # steps of linear warm-up from max_lr / warmup_steps to max_lr
    weight_decay: float = 0.1  # AdamW's decoupled decay, applied to matrices only (not biases, gains)
    max_grad_norm: float | None = 1.0  # clip the global gradient norm to this; None: no clipping
    beta2: float = 0.95  # AdamW's second-moment decay (beta1 stays 0.9)


def token_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    """Mean of -log softmax(logits)[target] over all tokens whose target is not `ignore_index`.

    logits (..., V), targets (...) of int64. Equal to F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1),
    ignore_index=ignore_index). Example: uniform logits over V = 4 tokens give log 4 = 1.386.
    """
    logits = logits.reshape(-1, logits.shape[-1])  # (N, V)
    targets = targets.reshape(-1)  # (N,)
    log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)  # stable log-softmax, (N, V)
    keep = targets != ignore_index  # (N,) True for real tokens, False for padding
    safe_targets = targets.masked_fill(~keep, 0)  # any valid index; those rows are zeroed below
    nll = -log_probs.gather(1, safe_targets.unsqueeze(1)).squeeze(1)  # (N,) surprisal of each target
    return (nll * keep).sum() / keep.sum()


def perplexity(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    """exp(mean token cross-entropy): the size of a uniform choice that is as surprising as the model.

    Example: uniform logits over V = 4 tokens give perplexity 4.
    """
    return torch.exp(token_cross_entropy(logits, targets, ignore_index))


def sample_batch(
    tokens: torch.Tensor, batch_size: int, block_size: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw `batch_size` random windows of a 1-D token stream: inputs x and targets y = x shifted by one.

    Returns x, y of shape (batch_size, block_size) with y[b, t] = tokens[start_b + t + 1], the token after x[b, t].
    Example: tokens [10, 11, 12, 13], block_size 2, start 1 -> x = [11, 12], y = [12, 13].
    """
    starts = torch.randint(len(tokens) - block_size, (batch_size,), generator=generator)  # 0 .. len-T-1
    offsets = torch.arange(block_size)
    x = tokens[starts[:, None] + offsets]  # (B, T)
    y = tokens[starts[:, None] + offsets + 1]  # (B, T): every position's next token
    return x, y


class Block(nn.Module):
    """One pre-norm transformer block: x + attn(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        d = config.d_model
        self.ln1 = nn.LayerNorm(d)
        self.attn = MultiHeadSelfAttention(d, config.n_heads, causal=True)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T, d_model) -> (B, T, d_model)."""
        x = x + self.attn(self.ln1(x))  # tokens read from earlier tokens
        x = x + self.mlp(self.ln2(x))  # each token thinks on its own
        return x


class GPT(nn.Module):
    """A decoder-only transformer: token + position embeddings, pre-norm blocks, final LayerNorm, tied head."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.tok_emb = nn.Embedding(config.vocab_size, config.d_model)
        self.pos_emb = nn.Embedding(config.block_size, config.d_model)
        self.blocks = nn.ModuleList([Block(config) for _ in range(config.n_layers)])
        self.ln_f = nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.head.weight = self.tok_emb.weight  # weight tying: one matrix embeds and un-embeds tokens
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """idx (B, T) of token ids, T <= block_size -> logits (B, T, vocab_size) for the token after each."""
        B, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(f"sequence of length {T} is longer than block_size={self.config.block_size}")
        pos = torch.arange(T, device=idx.device)
        x = self.tok_emb(idx) + self.pos_emb(pos)  # (B, T, d_model)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))  # (B, T, vocab_size)


def train_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    max_grad_norm: float | None = 1.0,
) -> float:
    """One optimizer step on the batch (x, y): forward, loss, backward, clip the gradient norm, update.

    Returns the batch loss (mean token cross-entropy, before the update) as a Python float.
    """
    loss = token_cross_entropy(model(x), y)
    optimizer.zero_grad(set_to_none=True)  # gradients accumulate otherwise
    loss.backward()
    if max_grad_norm is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    return loss.item()


def lr_at(step: int, max_lr: float, min_lr: float, warmup_steps: int, total_steps: int) -> float:
    """Learning rate of `step` (0-based): linear warm-up to max_lr, then cosine decay to min_lr at total_steps.

    Example: lr_at(0, 1.0, 0.0, 4, 8) = 0.25; lr_at(3, ...) = 1.0; lr_at(6, ...) = 0.5; lr_at(8, ...) = 0.0.
    """
    if step < warmup_steps:
        return max_lr * (step + 1) / warmup_steps
    if step >= total_steps:
        return min_lr
    progress = (step - warmup_steps) / (total_steps - warmup_steps)  # 0 -> 1 over the decay
    return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + math.cos(math.pi * progress))


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on weight matrices and embeddings only (biases and LayerNorm gains are not decayed)."""
    params = list(model.parameters())  # a tied weight appears once
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=config.max_lr, betas=(0.9, config.beta2))


def train(
    model: nn.Module,
    tokens: torch.Tensor,
    config: TrainConfig,
    generator: torch.Generator | None = None,
    callback: Callable[[int, float], bool] | None = None,
    progress: bool = True,
) -> list[float]:
    """Train `model` on random windows of `tokens`; return the training loss of every step.

    Each step sets the scheduled learning rate, draws a batch with `sample_batch` and calls `train_step`.
    `callback(step, loss)` runs after every step; returning True stops training early (validation, time limits).
    """
    optimizer = make_optimizer(model, config)
    model.train()
    losses = []
    for step in tqdm(range(config.steps), desc="training", disable=not progress):
        lr = lr_at(step, config.max_lr, config.min_lr, config.warmup_steps, config.steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = sample_batch(tokens, config.batch_size, model.config.block_size, generator)
        losses.append(train_step(model, optimizer, x, y, config.max_grad_norm))
        if callback is not None and callback(step, losses[-1]):
            break
    return losses
