"""Two toy tasks small enough to train in seconds on a CPU, whose attention weights can be checked by eye.

1. **Sequence reversal** (`ReversalAttention`): output position t must copy input position T-1-t, so the
   correct alignment is known in advance: the anti-diagonal.
2. **A tiny template language** (`sample_sentence`, `TinyCausalLM`): sentences such as
   "The FBI is chasing a criminal on the run ." where some words depend on one earlier word (the verb on the
   subject, the object on the verb, the place on the object), so a causal self-attention layer trained to
   predict the next word has something to look back at.

The attention itself is `lmrl_utils.lm.attention`; this module only builds the data and the small models
around it. All randomness comes in through `seed` / `rng` arguments: nothing here draws from the
caller's global random state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lmrl_utils.lm.attention import (
    MultiHeadSelfAttention,
    causal_mask,
    scaled_dot_product_attention,
    sinusoidal_positional_encoding,
)


def attention_weights(q: torch.Tensor, k: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """The weights softmax(q kᵀ / √d_k) that `scaled_dot_product_attention` uses, shape (..., T_q, T_k).

    Attention with one-hot values returns its weights: with V = I (row s of V is the one-hot vector e_s),
    the output row t is Σ_s α_ts e_s = (α_t0, ..., α_t,T_k-1). Example: for q = [[1, 0]] and keys
    [[1, 0], [0, 1]] the weights are softmax([1/√2, 0]) = [0.67, 0.33].
    """
    eye = torch.eye(k.shape[-2], dtype=q.dtype, device=q.device)  # (T_k, T_k): the one-hot values
    return scaled_dot_product_attention(q, k, eye, mask)


def self_attention_weights(layer: MultiHeadSelfAttention, x: torch.Tensor) -> torch.Tensor:
    """The attention weights of every head of `layer` on input x (B, T, d_model): shape (B, n_heads, T, T)."""
    B, T, C = x.shape
    h = layer.n_heads
    q = layer.q_proj(x).view(B, T, h, C // h).transpose(1, 2)  # (B, h, T, d_head)
    k = layer.k_proj(x).view(B, T, h, C // h).transpose(1, 2)  # (B, h, T, d_head)
    mask = causal_mask(T).to(x.device) if layer.causal else None
    return attention_weights(q, k, mask)  # (B, h, T, T)


# ---------------------------------------------------------------------------------------------------------
# Task 1: reversing a sequence of digits
# ---------------------------------------------------------------------------------------------------------


@dataclass
class ReversalConfig:
    seq_len: int = 8  # T: length of the input and of the output
    vocab_size: int = 10  # symbols 0..vocab_size-1 (digits)
    d_model: int = 32  # width of embeddings, queries, keys and values
    steps: int = 300  # Adam steps; 300 take about a second on one CPU core
    batch_size: int = 64  # sequences per step, drawn fresh each step
    lr: float = 1e-2  # Adam learning rate
    arch: str = "attention"  # "attention": ReversalAttention; "gru": ReversalGRU (no attention, a bottleneck)
    positions: bool = True  # False: ReversalAttention gets no positional encoding (it cannot tell order)


def reversal_batch(batch_size: int, seq_len: int, vocab_size: int, generator: torch.Generator
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Random inputs x (B, T) and their reversals y (B, T). Example: x = [[3, 1, 4]] -> y = [[4, 1, 3]]."""
    x = torch.randint(vocab_size, (batch_size, seq_len), generator=generator)
    return x, x.flip(-1)


class ReversalAttention(nn.Module):
    """An encoder–decoder reduced to one cross-attention: output step t asks "which input do I copy?".

    Encoder states h_i = embedding(x_i) + p_i (token plus sinusoidal position); the decoder state of output
    step t is a learned vector s_t. Query q_t = W^Q s_t, keys k_i = W^K h_i, values v_i = W^V h_i; the
    context c_t = Σ_i α_ti v_i goes through a linear layer to logits over the vocabulary.
    """

    def __init__(self, vocab_size: int, seq_len: int, d_model: int, positions: bool = True) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        pe = sinusoidal_positional_encoding(seq_len, d_model)  # (T, d_model)
        self.register_buffer("pos", pe if positions else torch.zeros_like(pe))
        self.decoder_states = nn.Parameter(torch.randn(seq_len, d_model))  # s_t, one per output step
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out = nn.Linear(d_model, vocab_size)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, T) -> (logits (B, T, vocab_size), attention weights α (B, T_out, T_in))."""
        h = self.embed(x) + self.pos  # (B, T, d): encoder states
        q = self.q_proj(self.decoder_states)  # (T, d): one query per output step, shared by the batch
        k, v = self.k_proj(h), self.v_proj(h)  # (B, T, d) each
        context = scaled_dot_product_attention(q, k, v)  # (B, T, d): c_t = Σ_i α_ti v_i
        return self.out(context), attention_weights(q, k)


class ReversalGRU(nn.Module):
    """The classic encoder–decoder without attention: the whole input must pass through one vector.

    A GRU reads the embedded input; its final hidden state (B, d_model) is the fixed-size summary that
    initialises a decoder GRU, whose input at output step t is a learned vector s_t.
    """

    def __init__(self, vocab_size: int, seq_len: int, d_model: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        self.encoder = nn.GRU(d_model, d_model, batch_first=True)
        self.decoder_inputs = nn.Parameter(torch.randn(seq_len, d_model))  # s_t, one per output step
        self.decoder = nn.GRU(d_model, d_model, batch_first=True)
        self.out = nn.Linear(d_model, vocab_size)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, None]:
        """x (B, T) -> (logits (B, T, vocab_size), None): there are no attention weights to return."""
        _, summary = self.encoder(self.embed(x))  # (1, B, d): the bottleneck
        inputs = self.decoder_inputs.expand(x.shape[0], -1, -1).contiguous()  # (B, T, d)
        states, _ = self.decoder(inputs, summary)  # (B, T, d)
        return self.out(states), None


def train_reversal(config: ReversalConfig, seed: int) -> tuple[ReversalAttention | ReversalGRU, list[float]]:
    """Train the model `config.arch` with Adam on fresh random batches; return it and every step's loss."""
    archs = {"attention": ReversalAttention, "gru": ReversalGRU}
    if config.arch not in archs:
        raise ValueError(f"config.arch must be one of {sorted(archs)}, got {config.arch!r}")
    with torch.random.fork_rng():  # initialise from `seed` without touching the caller's global RNG
        torch.manual_seed(seed)
        if config.arch == "attention":
            model = ReversalAttention(config.vocab_size, config.seq_len, config.d_model, config.positions)
        else:
            model = ReversalGRU(config.vocab_size, config.seq_len, config.d_model)
    g = torch.Generator().manual_seed(seed + 1)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    losses = []
    for _ in range(config.steps):
        x, y = reversal_batch(config.batch_size, config.seq_len, config.vocab_size, g)
        logits, _ = model(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, config.vocab_size), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model, losses


def reversal_accuracy(model: nn.Module, config: ReversalConfig, n: int = 1000, seed: int = 12345) -> float:
    """Fraction of output symbols `model` gets right on n fresh sequences (a fixed held-out draw)."""
    x, y = reversal_batch(n, config.seq_len, config.vocab_size, torch.Generator().manual_seed(seed))
    with torch.no_grad():
        logits, _ = model(x)
    return (logits.argmax(-1) == y).float().mean().item()


# ---------------------------------------------------------------------------------------------------------
# Task 2: a template language with long-range dependencies
# ---------------------------------------------------------------------------------------------------------

# subject -> (auxiliary verb that agrees with it, the group deciding which verbs are possible)
SUBJECTS: dict[str, tuple[str, str]] = {
    "FBI": ("is", "law"), "police": ("are", "law"), "detective": ("is", "law"), "agents": ("are", "law"),
    "dog": ("is", "animal"), "cats": ("are", "animal"),
    "student": ("is", "reader"), "kids": ("are", "reader"),
}
VERBS: dict[str, list[str]] = {
    "law": ["chasing", "arresting", "watching"],
    "animal": ["chasing", "catching", "watching"],
    "reader": ["reading", "writing", "watching"],
}
OBJECTS: dict[str, list[str]] = {
    "chasing": ["criminal", "thief", "ball"], "arresting": ["criminal", "thief", "suspect"],
    "watching": ["suspect", "ball", "movie"], "catching": ["mouse", "ball"],
    "reading": ["book", "letter"], "writing": ["book", "letter"],
}
PLACES: dict[str, list[str]] = {
    "criminal": ["run", "roof"], "thief": ["run", "roof"], "suspect": ["run", "street"],
    "ball": ["grass", "field"], "movie": ["screen", "plane"], "mouse": ["floor", "grass"],
    "book": ["shelf", "table"], "letter": ["table", "desk"],
}
ADJECTIVES = ["big", "small", "new", "old"]  # optional, independent of everything: adds noise to positions
PAD = "<pad>"


def sample_sentence(rng: np.random.Generator, p_adjective: float = 0.5) -> list[str]:
    """One sentence "The S aux V a [adj] O on the P ." of the template language, as a list of words.

    Dependencies: aux agrees with S; V depends on S; O on V; P on O; the adjective depends on nothing.
    Example (one possible draw): ['The', 'FBI', 'is', 'chasing', 'a', 'criminal', 'on', 'the', 'run', '.'].
    """
    subject = rng.choice(list(SUBJECTS))
    aux, group = SUBJECTS[subject]
    verb = rng.choice(VERBS[group])
    obj = rng.choice(OBJECTS[verb])
    place = rng.choice(PLACES[obj])
    adjective = [str(rng.choice(ADJECTIVES))] if rng.random() < p_adjective else []
    return ["The", str(subject), aux, str(verb), "a", *adjective, str(obj), "on", "the", str(place), "."]


def vocabulary() -> list[str]:
    """Every word of the template language, padding first (index 0), in a fixed order."""
    words = ["The", "a", "on", "the", ".", "is", "are", *SUBJECTS, *ADJECTIVES]
    for table in (VERBS, OBJECTS, PLACES):
        for options in table.values():
            words += options
    return [PAD, *dict.fromkeys(words)]  # dict.fromkeys drops repeats and keeps the first order


def encode(sentences: list[list[str]], stoi: dict[str, int]) -> torch.Tensor:
    """Word lists -> a (B, T_max) tensor of ids, padded at the end with PAD (id 0)."""
    T = max(len(s) for s in sentences)
    return torch.tensor([[stoi[w] for w in s] + [stoi[PAD]] * (T - len(s)) for s in sentences])


class TinyCausalLM(nn.Module):
    """Embedding + sinusoidal positions, one causal multi-head self-attention plus residual, a linear head."""

    def __init__(self, vocab_size: int, d_model: int = 32, n_heads: int = 1, max_len: int = 16) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        self.register_buffer("pos", sinusoidal_positional_encoding(max_len, d_model))  # (max_len, d_model)
        self.attn = MultiHeadSelfAttention(d_model, n_heads, causal=True)
        self.head = nn.Linear(d_model, vocab_size)

    def embed_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (B, T) -> x (B, T, d_model), token embedding plus position."""
        return self.embed(ids) + self.pos[: ids.shape[1]]

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (B, T) -> next-token logits (B, T, vocab_size); position t sees ids[:, :t+1] only."""
        x = self.embed_tokens(ids)
        return self.head(x + self.attn(x))  # residual: the word itself plus what it gathered

    def attention(self, ids: torch.Tensor) -> torch.Tensor:
        """The attention weights of the layer on ids (B, T): (B, n_heads, T, T)."""
        return self_attention_weights(self.attn, self.embed_tokens(ids))


def train_tiny_lm(
    n_sentences: int = 2000, steps: int = 400, batch_size: int = 64, d_model: int = 32, n_heads: int = 1,
    lr: float = 1e-2, seed: int = 0,
) -> tuple[TinyCausalLM, list[str], list[float]]:
    """Train a `TinyCausalLM` to predict the next word of template sentences; return model, vocab, losses."""
    rng = np.random.default_rng(seed)
    vocab = vocabulary()
    stoi = {w: i for i, w in enumerate(vocab)}
    data = encode([sample_sentence(rng) for _ in range(n_sentences)], stoi)  # (N, T_max)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = TinyCausalLM(len(vocab), d_model, n_heads)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        batch = data[torch.as_tensor(rng.integers(len(data), size=batch_size))]
        logits = model(batch[:, :-1])  # predict word t+1 from words 0..t
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), batch[:, 1:].reshape(-1),
                                           ignore_index=stoi[PAD])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model, vocab, losses
