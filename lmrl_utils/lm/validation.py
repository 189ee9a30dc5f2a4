"""Measuring a language model on held-out text: fixed validation windows, the loss (overall and per position),
bits per byte (the unit that compares tokenizers), and `fit`, the training loop of `lmrl_utils.lm.gpt` with a
validation curve and early stopping.

Example:
    >>> x, y = eval_windows(torch.arange(11), block_size=5)
    >>> x.tolist(), y.tolist()
    ([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]], [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]])
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn

from lmrl_utils.lm.gpt import GPT, TrainConfig, token_cross_entropy, train


def eval_windows(tokens: torch.Tensor, block_size: int, max_windows: int | None = None) -> tuple[torch.Tensor, ...]:
    """Non-overlapping (x, y) windows covering `tokens` in order: a fixed validation set (no randomness)."""
    n = (len(tokens) - 1) // block_size
    if max_windows is not None:
        n = min(n, max_windows)
    x = tokens[: n * block_size].view(n, block_size)
    y = tokens[1: n * block_size + 1].view(n, block_size)
    return x, y


@torch.no_grad()
def position_losses(model: nn.Module, tokens: torch.Tensor, max_windows: int = 400, batch: int = 100) -> torch.Tensor:
    """Mean surprisal (nats) at each position 0..T-1 of the window, over non-overlapping validation windows.

    Position t (counting from 0) predicts the window's token t + 1 from the t + 1 tokens before it, so early
    positions have less context and are harder: the curve shows what context buys.
    """
    was_training = model.training
    model.eval()
    x, y = eval_windows(tokens, model.config.block_size, max_windows)
    total = torch.zeros(model.config.block_size)
    for i in range(0, len(x), batch):
        logits = model(x[i: i + batch])
        nll = -torch.log_softmax(logits, dim=-1).gather(-1, y[i: i + batch, :, None])[..., 0]  # (b, T)
        total += nll.sum(0)
    model.train(was_training)
    return total / len(x)


@torch.no_grad()
def evaluate(model: nn.Module, tokens: torch.Tensor, max_windows: int = 400, skip: int = 0) -> float:
    """Validation loss: mean token cross-entropy over non-overlapping windows, ignoring the first `skip` positions.

    Position t (counting from 0) predicts the next token from the t + 1 tokens of the window up to it. An order-k
    source draws each letter from the k letters before it, so positions 0..k-2 have too little context to reach
    the entropy rate, and position k-1 is the first with enough: `skip = k - 1` (2 for the chapter's order-3
    language) compares a model with the entropy rate.
    """
    was_training = model.training
    model.eval()
    x, y = eval_windows(tokens, model.config.block_size, max_windows)
    y = y.clone()
    y[:, :skip] = -100  # ignored
    losses = [token_cross_entropy(model(x[i: i + 100]), y[i: i + 100]).item() * len(x[i: i + 100])
              for i in range(0, len(x), 100)]
    model.train(was_training)
    return sum(losses) / len(x)


def bits_per_byte(total_nats: float, n_bytes: int) -> float:
    """Total cross-entropy of a text (nats, summed over its tokens) -> bits per UTF-8 byte of that text.

    A per-token loss depends on how much text a token holds (a BPE token spans about three characters), so only a
    loss per byte compares models with different tokenizers. Example: a model that pays ln 2 nats (one bit) for each
    of 4 tokens of 2 bytes each spends 4 bits on 8 bytes:
    >>> bits_per_byte(4 * math.log(2), n_bytes=8)
    0.5
    """
    return total_nats / math.log(2) / n_bytes


def token_bytes(tok: object) -> torch.Tensor:
    """UTF-8 length of each token id's text, (vocab_size,): how many bytes of text predicting that token covers.

    Works for a byte-level BPE `Tokenizer` (its `vocab` maps id -> bytes, so a token holding half a character counts
    its own bytes) and for any tokenizer whose `decode([i])` is the text of token i (a `CharTokenizer`).
    Example: token_bytes(CharTokenizer("aé")) -> tensor([1, 2])
    """
    vocab = getattr(tok, "vocab", None)
    if isinstance(vocab, dict):
        return torch.tensor([len(vocab[i]) for i in range(len(vocab))])
    return torch.tensor([len(tok.decode([i]).encode("utf-8")) for i in range(tok.vocab_size)])


@torch.no_grad()
def evaluate_bpb(model: nn.Module, tokens: torch.Tensor, lengths: torch.Tensor,
                 max_windows: int | None = None, batch: int = 100) -> dict[str, float]:
    """Per-token loss and bits per byte over non-overlapping windows of `tokens` (all of them by default).

    `lengths` is `token_bytes(tok)`. The evaluated text is that of the windows' targets (every token but the first
    and the tail that does not fill a window); its bytes are the sum of the targets' lengths.
    Returns {"loss": nats per token, "bpb": bits per byte, "tokens": targets scored, "bytes": their bytes}.
    """
    was_training = model.training
    model.eval()
    x, y = eval_windows(tokens, model.config.block_size, max_windows)
    total = 0.0
    for i in range(0, len(x), batch):
        logits = model(x[i: i + batch])  # (b, T, V)
        total += -torch.log_softmax(logits, dim=-1).gather(-1, y[i: i + batch, :, None]).sum().item()
    model.train(was_training)
    n_bytes = int(lengths[y].sum())
    return {"loss": total / y.numel(), "bpb": bits_per_byte(total, n_bytes), "tokens": y.numel(), "bytes": n_bytes}


def fit(
    model: GPT,
    train_ids: torch.Tensor,
    val_ids: torch.Tensor,
    config: TrainConfig,
    seed: int = 0,
    eval_every: int = 50,
    skip: int = 0,
    time_limit: float | None = None,
    patience: int | None = None,
    progress: bool = False,
    lengths: torch.Tensor | None = None,
) -> dict[str, list]:
    """`lm.train` plus a validation curve: evaluates every `eval_every` steps, stops at `time_limit` seconds or
    after `patience` evaluations without a new best validation loss (early stopping; the best weights are kept).

    Returns {"loss": per-step training losses, "val_step", "val_loss", "val_time": the validation curve}, plus
    "val_bpb" (bits per byte of the same windows) when `lengths` (`token_bytes(tok)`) is given.
    """
    history: dict[str, list] = {"loss": [], "val_step": [], "val_loss": [], "val_time": []}
    if lengths is not None:
        _, y = eval_windows(val_ids, model.config.block_size, 400)  # the windows `evaluate` scores
        keep = y[:, skip:]
        nats_to_bpb = keep.numel() / int(lengths[keep].sum()) / math.log(2)  # mean nats/token -> bits/byte
        history["val_bpb"] = []
    start = time.perf_counter()
    best = {"loss": float("inf"), "state": None, "since": 0}

    def callback(step: int, loss: float) -> bool:
        history["loss"].append(loss)
        last = step + 1 == config.steps
        out_of_time = time_limit is not None and time.perf_counter() - start > time_limit
        if (step + 1) % eval_every and not last and not out_of_time:
            return False
        elapsed = time.perf_counter() - start
        val = evaluate(model, val_ids, skip=skip)
        history["val_step"].append(step + 1)
        history["val_loss"].append(val)
        history["val_time"].append(elapsed)
        if lengths is not None:
            history["val_bpb"].append(val * nats_to_bpb)
        if val < best["loss"]:
            best.update(loss=val, state={k: v.clone() for k, v in model.state_dict().items()}, since=0)
        else:
            best["since"] += 1
        stop = patience is not None and best["since"] >= patience
        if stop and best["state"] is not None:
            model.load_state_dict(best["state"])
        return stop or out_of_time

    train(model, train_ids, config, torch.Generator().manual_seed(seed), callback=callback, progress=progress)
    return history
