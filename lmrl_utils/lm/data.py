"""Data for Chapter 3's language models: a character tokenizer and the two corpora as token streams.

The chapter's models read characters, not Chapter 2's BPE tokens: a character vocabulary is tiny (about 100
symbols for the English corpus, 9 for the synthetic language), needs no training, and keeps the chapter
independent of the tokenizer; the RLHF chapter inherits the choice. A production model would use byte-level BPE
instead, with far fewer tokens per sentence.

Example:
    >>> tok = CharTokenizer("hello world")
    >>> tok.decode(tok.encode("hello"))
    'hello'
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from lmrl_utils.lm.corpus import english_corpus, train_val_split
from lmrl_utils.lm.synthetic_language import MarkovSource, make_source, sample_ids


class CharTokenizer:
    """One token per character: ids are the positions of the characters in the sorted vocabulary."""

    def __init__(self, text: str) -> None:
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_chars(cls, chars: Iterable[str]) -> CharTokenizer:
        """A tokenizer with exactly these characters, in this order (id i = chars[i])."""
        tok = cls("")
        tok.chars = list(chars)
        tok.index = {c: i for i, c in enumerate(tok.chars)}
        return tok

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> torch.Tensor:
        """A string -> int64 tensor of ids. Fails on a character outside the vocabulary, naming it."""
        try:
            return torch.tensor([self.index[c] for c in text], dtype=torch.long)
        except KeyError as err:
            raise ValueError(f"character {err.args[0]!r} is not in the tokenizer's vocabulary") from None

    def decode(self, ids: Iterable[int] | torch.Tensor) -> str:
        """Ids -> the string they spell."""
        if isinstance(ids, torch.Tensor):
            ids = ids.tolist()
        return "".join(self.chars[i] for i in ids)


def english_data(val_fraction: float = 0.1) -> tuple[CharTokenizer, torch.Tensor, torch.Tensor]:
    """(tokenizer, train ids, validation ids) of the course's English corpus (Python's documentation topics).

    The vocabulary covers the whole corpus, so validation text never has an unknown character.
    """
    text = english_corpus()
    train_text, val_text = train_val_split(text, val_fraction)
    tok = CharTokenizer(text)
    return tok, tok.encode(train_text), tok.encode(val_text)


def synthetic_data(
    source: MarkovSource | None = None, n_train: int = 1_000_000, n_val: int = 100_000, seed: int = 1
) -> tuple[CharTokenizer, torch.Tensor, torch.Tensor]:
    """(tokenizer, train ids, validation ids) of the synthetic Markov language (`make_source()` by default).

    Token id i is the i-th letter of the source's alphabet, so ids are the source's own letter ids.
    """
    source = source or make_source()
    rng = np.random.default_rng(seed)
    train_ids = torch.from_numpy(sample_ids(source, n_train, rng))
    val_ids = torch.from_numpy(sample_ids(source, n_val, rng))
    return CharTokenizer.from_chars(source.alphabet), train_ids, val_ids  # alphabet order: token id = letter id
