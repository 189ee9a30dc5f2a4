"""The offline "human" of Chapter 7: a hidden ground-truth reward and Bradley–Terry preferences simulated from it.

Real RLHF asks people which of two completions they prefer. Offline, a program plays the labeller: it scores
each completion with a hidden reward r*(y) and prefers y_a to y_b with probability σ((r*(y_a) - r*(y_b)) / τ), the
Bradley–Terry model with noise temperature τ. Because r* is known, every number of the chapter is checkable:
how close a learned reward model comes to the best possible accuracy (the noise ceiling), and whether a policy
tuned on the learned reward really improves r* or only the proxy.

The labeller likes plain English: each *distinct* real word of the completion (a lower-case word of two or more
letters that appears at least `min_count` times in the course's training text) earns 1, each repeated word costs
`repeat_penalty`, and every non-space character that is not a letter (symbols, digits, punctuation)
costs `symbol_penalty`; letters of words outside the dictionary cost nothing. The words are counted from the
corpus, never typed in.

Example:
    >>> judge = Labeller.from_corpus()
    >>> judge.reward(["the value of the object", "::= | [x]"]).tolist()   # 4 distinct words - 1 repeat; 6 symbols × 0.5
    [3.0, -3.0]
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch

from lmrl_utils.lm.corpus import english_corpus, train_val_split

WORD = re.compile(r"[A-Za-z]+")


@functools.cache
def dictionary(min_count: int = 5) -> frozenset[str]:
    """The real words: lower-case words of ≥ 2 letters seen ≥ `min_count` times in the training split."""
    train, _ = train_val_split(english_corpus())
    counts = Counter(WORD.findall(train))
    return frozenset(w for w, n in counts.items() if n >= min_count and len(w) >= 2 and w.islower())


@dataclass(frozen=True)
class Labeller:
    """The hidden ground truth r*(y) and the noisy comparisons a simulated annotator makes with it."""

    words: frozenset[str]
    repeat_penalty: float = 1.0  # cost of each word that already appeared in the completion
    symbol_penalty: float = 0.5  # cost of each non-space character outside a word (":", "=", "|", digits)
    temperature: float = 1.0  # τ of Bradley–Terry: 0 would be a perfect labeller, larger is noisier

    @classmethod
    def from_corpus(cls, min_count: int = 5, **kwargs) -> Labeller:
        """The chapter's labeller, its dictionary counted from the course's text."""
        return cls(dictionary(min_count), **kwargs)

    def score(self, text: str) -> float:
        """r*(text): distinct real words - repeat_penalty · repeats - symbol_penalty · symbols."""
        seen: set[str] = set()
        good = repeats = 0
        for word in WORD.findall(text):
            word = word.lower()
            if word in seen:
                repeats += 1
            elif word in self.words:
                good += 1
            seen.add(word)
        symbols = sum(1 for ch in text if not (ch.isspace() or ch.isalpha()))
        return good - self.repeat_penalty * repeats - self.symbol_penalty * symbols

    def reward(self, texts: list[str]) -> torch.Tensor:
        """r* of each text, as a float tensor (B,)."""
        return torch.tensor([self.score(t) for t in texts], dtype=torch.float32)

    def prefer_probability(self, reward_a: torch.Tensor, reward_b: torch.Tensor) -> torch.Tensor:
        """P(a ≻ b) = σ((r*(a) - r*(b)) / τ) under Bradley–Terry."""
        return torch.sigmoid((reward_a - reward_b) / self.temperature)

    def compare(self, reward_a: torch.Tensor, reward_b: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
        """One noisy judgement per pair: True where the labeller prefers a to b."""
        p = self.prefer_probability(reward_a, reward_b).numpy()
        return torch.from_numpy(rng.random(p.shape) < p)


def noise_ceiling(labeller: Labeller, reward_a: torch.Tensor, reward_b: torch.Tensor) -> float:
    """The expected accuracy of the best possible reward model (r* itself) on these pairs: mean max(p, 1 - p).

    No model can predict a coin flip: where r*(a) = r*(b) the labeller picks at random, and a model scores 1/2.
    >>> judge = Labeller.from_corpus()
    >>> noise_ceiling(judge, torch.tensor([0.0, 100.0]), torch.tensor([0.0, 0.0]))
    0.75
    """
    p = labeller.prefer_probability(reward_a, reward_b)
    return float(torch.maximum(p, 1 - p).mean())
