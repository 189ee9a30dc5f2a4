"""A synthetic language whose true entropy rate we can compute: a random Markov chain of order k over letters.

Each next letter depends on the previous `order` letters through a table drawn once from a sparse Dirichlet,
so some contexts are almost deterministic and others are open. Because the source is known exactly, its
entropy rate H = Σ_c π(c) H(P(·|c)) (π the stationary distribution over contexts) is the loss floor that no
model can beat, and a learning curve can be drawn against it. A bigram model (one letter of context) cannot
reach the floor: `bigram_entropy` is the best it can do, and `ngram_cross_entropy` measures a fitted one.

Example:
    >>> src = make_source(seed=0)
    >>> text = sample_text(src, 1000, np.random.default_rng(1))
    >>> len(text), set(text) <= set(src.alphabet)
    (1000, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class MarkovSource:
    """A k-th order Markov chain over `alphabet`: probs[c] is the next-letter distribution after context c."""

    alphabet: str  # the letters, one character each
    order: int  # k: how many previous letters the next one depends on
    probs: np.ndarray  # (V**k, V); row c (the context's letters read as base-V digits) sums to 1

    @property
    def vocab_size(self) -> int:
        return len(self.alphabet)

    def context_index(self, letters: np.ndarray) -> int:
        """The row of `probs` for the last `order` letter ids. Example (V=3, k=2): [2, 1] -> 2*3 + 1 = 7."""
        index = 0
        for letter in letters[-self.order:]:
            index = index * self.vocab_size + int(letter)
        return index


def make_source(
    alphabet: str = "abcdefgh ", order: int = 3, concentration: float = 0.15, seed: int = 0
) -> MarkovSource:
    """A random order-`order` chain: each context's next-letter distribution ~ Dirichlet(concentration).

    A small concentration makes most rows peaked on one or two letters (word-like regularities); the same
    seed always gives the same language.
    """
    rng = np.random.default_rng(seed)
    V = len(alphabet)
    probs = rng.dirichlet(np.full(V, concentration), size=V**order)
    probs = np.clip(probs, 1e-6, None)  # no zero-probability letter: every context stays reachable
    probs /= probs.sum(axis=1, keepdims=True)
    return MarkovSource(alphabet, order, probs)


def sample_ids(source: MarkovSource, length: int, rng: np.random.Generator, burn_in: int = 100) -> np.ndarray:
    """`length` letter ids drawn from the chain, after `burn_in` discarded steps (so the start is stationary)."""
    V, k = source.vocab_size, source.order
    cumulative = np.cumsum(source.probs, axis=1)
    uniforms = rng.random(length + burn_in)
    out = np.empty(length + burn_in + k, dtype=np.int64)
    out[:k] = rng.integers(V, size=k)
    context = source.context_index(out[:k])
    for t in range(k, len(out)):
        letter = min(int(np.searchsorted(cumulative[context], uniforms[t - k], side="right")), V - 1)
        out[t] = letter
        context = (context * V + letter) % (V**k)  # slide the window: drop the oldest letter
    return out[k + burn_in:]


def sample_text(source: MarkovSource, length: int, rng: np.random.Generator) -> str:
    """`length` characters of the language."""
    return "".join(source.alphabet[i] for i in sample_ids(source, length, rng))


def context_transition_matrix(source: MarkovSource) -> np.ndarray:
    """(V^k, V^k) matrix of the chain on contexts: context c moves to (c minus its oldest letter) + next letter."""
    V, k = source.vocab_size, source.order
    n = V**k
    T = np.zeros((n, n))
    for c in range(n):
        for letter in range(V):
            T[c, (c * V + letter) % n] += source.probs[c, letter]
    return T


def stationary_distribution(source: MarkovSource, tol: float = 1e-13, max_iter: int = 100_000) -> np.ndarray:
    """π over contexts with π T = π, by power iteration (the chain is irreducible: every probability > 0)."""
    T = context_transition_matrix(source)
    pi = np.full(T.shape[0], 1.0 / T.shape[0])
    for _ in range(max_iter):
        new = pi @ T
        if np.abs(new - pi).sum() < tol:
            return new
        pi = new
    return pi


def _entropy_rows(p: np.ndarray) -> np.ndarray:
    return -(p * np.log(np.where(p > 0, p, 1.0))).sum(axis=-1)


def entropy_rate(source: MarkovSource) -> float:
    """H = Σ_c π(c) H(next letter | c), in nats per letter: the lowest loss any model can reach."""
    return float(stationary_distribution(source) @ _entropy_rows(source.probs))


def context_entropy(source: MarkovSource, n_context: int) -> float:
    """H(next letter | previous n_context letters) under the stationary chain, in nats; n_context <= order.

    n_context = order gives the entropy rate; 1 gives the best any bigram model can do; 0 the letter entropy.
    """
    V, k = source.vocab_size, source.order
    if not 0 <= n_context <= k:
        raise ValueError(f"n_context must be in 0..{k}, got {n_context}")
    joint = stationary_distribution(source)[:, None] * source.probs  # P(context, next), (V^k, V)
    short = joint.reshape(V ** (k - n_context), V**n_context, V).sum(axis=0)  # keep the last n_context letters
    marginal = short.sum(axis=1, keepdims=True)
    conditional = short / np.where(marginal > 0, marginal, 1.0)
    return float((marginal[:, 0] * _entropy_rows(conditional)).sum())


def ngram_cross_entropy(train_ids: np.ndarray, val_ids: np.ndarray, n_context: int, vocab_size: int,
                        alpha: float = 0.1) -> float:
    """Fit an n-gram model (n_context previous letters, add-`alpha` smoothing) on train_ids; its loss on val_ids.

    Example: n_context = 1 is the bigram model; its loss stays above `context_entropy(source, 1)`.
    """
    V, n = vocab_size, n_context

    def contexts(ids: np.ndarray) -> np.ndarray:
        c = np.zeros(len(ids) - n, dtype=np.int64)
        for j in range(n):
            c = c * V + ids[j: len(ids) - n + j]
        return c

    counts = np.full((V**n, V), alpha)
    np.add.at(counts, (contexts(train_ids), train_ids[n:]), 1.0)
    probs = counts / counts.sum(axis=1, keepdims=True)
    return float(-np.log(probs[contexts(val_ids), val_ids[n:]]).mean())
