"""What a GPT costs, counted from its shape before it runs: parameters, FLOPs per token, training FLOPs, memory.

The counts follow Kaplan et al. (2020): a matrix-vector product with an m x n matrix costs 2mn FLOPs (a multiply and
an add per weight), so the forward pass costs about 2 FLOPs per weight and per token, plus the attention scores and
their weighted sum, 2 x 2 x T x d per layer for a context of T tokens; the backward pass costs about twice the
forward, so training costs about 3 x forward = 6 FLOPs per weight and per token. Unlike Kaplan's counts, the output
head (d x V) is included: in a model this small, with a BPE vocabulary, it is a large share of the work.

Example:
    >>> from lmrl_utils.lm.gpt import GPT, GPTConfig
    >>> model = GPT(GPTConfig(vocab_size=1280, block_size=64, d_model=64, n_layers=2, n_heads=4))
    >>> non_embedding_params(model)
    100096
    >>> forward_flops_per_token(model)  # 2 x 100,096 (blocks) + 2 x 2 x 2 x 64 x 64 (attention) + 2 x 64 x 1280 (head)
    396800
"""

from __future__ import annotations

from lmrl_utils.lm.gpt import GPT

ADAM_COPIES = 4  # float32 numbers kept per parameter while training with AdamW: weight, gradient, two moments


def non_embedding_params(model: GPT) -> int:
    """Parameters outside the token and position embeddings (the tied head shares the token embedding's matrix):
    what scaling laws count as the model's size N."""
    embeddings = model.tok_emb.weight.numel() + model.pos_emb.weight.numel()
    return sum(p.numel() for p in model.parameters()) - embeddings


def forward_flops_per_token(model: GPT, context: int | None = None) -> int:
    """FLOPs of one token's forward pass at `context` tokens of context (the full block by default).

    2 per block weight, 2 x 2 x context x d per layer for attention (scores q.k and the weighted sum of values),
    2 x d x V for the output head; LayerNorms, softmax and GELU are left out (a few FLOPs per number, not per weight).
    """
    cfg = model.config
    context = cfg.block_size if context is None else context
    attention = 2 * 2 * context * cfg.d_model * cfg.n_layers
    return 2 * non_embedding_params(model) + attention + 2 * cfg.d_model * cfg.vocab_size


def training_flops(model: GPT, tokens: int) -> int:
    """FLOPs to train on `tokens` token positions: forward + backward, about 3 x the forward pass.

    Example: 1000 steps of 32 windows of 64 tokens = 2,048,000 token positions.
    """
    return 3 * forward_flops_per_token(model) * tokens


def training_memory_bytes(model: GPT) -> int:
    """Bytes of float32 state while training with AdamW (weights, gradients, two moments); activations not included."""
    return ADAM_COPIES * 4 * sum(p.numel() for p in model.parameters())


def compute_optimal_tokens(n_params: int, tokens_per_param: float = 20.0) -> float:
    """Hoffmann et al. (2022)'s rule of thumb: a compute-optimal model trains on about 20 tokens per parameter
    (of fresh, never repeated text)."""
    return tokens_per_param * n_params
