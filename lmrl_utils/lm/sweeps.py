"""Architecture sweeps at a fixed training budget: how many steps a shape may take, and one seeded run per point.

A fair comparison of two shapes gives each the same *compute*, not the same number of steps: a model with twice
the blocks costs about twice the FLOPs per token, so at a fixed budget it sees about half the tokens. Heads are
free in this accounting: h heads of width d / h have the same projections as one head of width d, and the
attention scores cost 2 x 2 x T x d per layer whatever h is (`lmrl_utils.lm.accounting`).

Example:
    >>> from lmrl_utils.lm.gpt import GPTConfig
    >>> one = GPTConfig(vocab_size=9, block_size=8, d_model=32, n_layers=1, n_heads=4)
    >>> two = GPTConfig(vocab_size=9, block_size=8, d_model=32, n_layers=2, n_heads=4)
    >>> budget = step_flops(one, batch_size=128) * 400
    >>> steps_for_budget(one, budget, 128), steps_for_budget(two, budget, 128)
    (400, 202)
"""

from __future__ import annotations

import time

import torch

from lmrl_utils.lm.accounting import non_embedding_params, training_flops
from lmrl_utils.lm.attention_maps import attention_maps
from lmrl_utils.lm.gpt import GPT, GPTConfig, TrainConfig
from lmrl_utils.lm.validation import fit


def step_flops(config: GPTConfig, batch_size: int) -> int:
    """Training FLOPs of one step of `batch_size` windows of `config.block_size` tokens (6 per weight per token)."""
    with torch.random.fork_rng():  # building a model to count it must not move the caller's random stream
        model = GPT(config)
    return training_flops(model, batch_size * config.block_size)


def steps_for_budget(config: GPTConfig, budget_flops: float, batch_size: int) -> int:
    """The most steps of `batch_size` windows that fit in `budget_flops` (at least one)."""
    return max(1, int(budget_flops // step_flops(config, batch_size)))


def train_point(
    config: GPTConfig,
    train_ids: torch.Tensor,
    val_ids: torch.Tensor,
    train_config: TrainConfig,
    seed: int,
    skip: int = 0,
) -> tuple[GPT, dict[str, float]]:
    """Train one model of shape `config` from seed `seed` and score it on the validation windows.

    Returns the trained model and {"loss": validation nats per token (positions >= skip), "params": all parameters,
    "non_embedding": what Kaplan counts, "flops": training FLOPs, "tokens": token positions trained on,
    "steps", "cpu_seconds"}. Draws its randomness from `seed` only (the caller's global stream is left alone).
    """
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = GPT(config)
    tokens = train_config.steps * train_config.batch_size * config.block_size
    start = time.process_time()
    history = fit(model, train_ids, val_ids, train_config, seed=seed, eval_every=train_config.steps, skip=skip)
    return model, {"loss": history["val_loss"][-1], "params": sum(p.numel() for p in model.parameters()),
            "non_embedding": non_embedding_params(model), "flops": training_flops(model, tokens),
            "tokens": tokens, "steps": train_config.steps, "cpu_seconds": time.process_time() - start}


@torch.no_grad()
def attention_by_offset(model: GPT, ids: torch.Tensor, layer: int = 0, first_query: int = 0) -> torch.Tensor:
    """Mean attention weight of each head of block `layer` on the token k positions back, (n_heads, block_size).

    Averaged over the windows `ids` (n, T) and over the queries t >= `first_query` that have k tokens before them:
    column 0 is the query's own position, column 1 the previous token, and so on. A head that always reads the
    previous token has a 1 in column 1. (Query 0 can only read itself: `first_query` > 0 leaves such queries out.)
    """
    w = attention_maps(model, ids)[1][layer].mean(0)  # (h, T, T): query t, key s <= t
    T = ids.shape[1]
    columns = []
    for k in range(T):
        diagonal = torch.diagonal(w, offset=-k, dim1=1, dim2=2)  # (h, T - k): query t = k + i reads key i
        kept = diagonal[:, max(0, first_query - k):]  # queries t >= first_query
        columns.append(kept.mean(-1) if kept.shape[1] else torch.zeros(len(w)))
    return torch.stack(columns, dim=1)
