"""Data for Chapter 3's language models: the two corpora as token streams, and the tokenizers that make them.

The English model reads Chapter 2's byte-level BPE (`lmrl_utils.lm.tokenization`), trained here on the training
split of the English corpus and cached on disk like the weights: a token holds about three characters, so the
model's 64-token context holds about three times more text. The synthetic language stays one token per letter
(`CharTokenizer`): its exact entropy rate is a per-letter number. `english_data` keeps the character-level view of
the English corpus, the baseline of the chapter's equal-compute comparison.

Example:
    >>> tok = CharTokenizer("hello world")
    >>> tok.decode(tok.encode("hello"))
    'hello'
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Iterable

import numpy as np
import torch

from lmrl_utils.cache import cache_dir, load_or_build, recipe_key
from lmrl_utils.lm import tokenization
from lmrl_utils.lm.corpus import ENGLISH_FILE, english_corpus, text_sha256, train_val_split
from lmrl_utils.lm.synthetic_language import MarkovSource, make_source, sample_ids
from lmrl_utils.lm.tokenization import Tokenizer, train_bpe


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
    """(tokenizer, train ids, validation ids) of the course's English corpus, one token per character.

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


def tokenizer_recipe(vocab_size: int, val_fraction: float = 0.1) -> dict:
    """Everything that determines the English BPE tokenizer: size, split, corpus checksum and the trainer's code."""
    code = inspect.getsource(tokenization.pretoken_counts) + inspect.getsource(train_bpe) + tokenization.GPT2_PATTERN
    return {"vocab_size": vocab_size, "val_fraction": val_fraction, "data": text_sha256(ENGLISH_FILE),
            "trainer": hashlib.sha256(code.encode()).hexdigest()}


def english_tokenizer(vocab_size: int, val_fraction: float = 0.1) -> Tokenizer:
    """Chapter 2's byte-level BPE trained on the English training split only (the validation text stays unseen),
    cached in `$LMRL_CACHE`: about a second to train, then instant."""
    recipe = tokenizer_recipe(vocab_size, val_fraction)

    def build() -> dict:
        train_text, _ = train_val_split(english_corpus(), val_fraction)
        vocab, merges = train_bpe(train_text, vocab_size)
        return {"vocab": vocab, "merges": merges}

    saved = load_or_build(cache_dir() / f"bpe-english-{recipe_key(recipe)}.pt", build)
    return Tokenizer(saved["vocab"], saved["merges"])


def tokenizer_fingerprint(tok: Tokenizer) -> str:
    """SHA-256 of a BPE tokenizer's vocabulary and merges: a cache key part, so a changed tokenizer retrains."""
    blob = repr((sorted(tok.vocab.items()), sorted(tok.merge_ranks.items()), tok.special_tokens))
    return hashlib.sha256(blob.encode()).hexdigest()


def english_bpe_data(tok: Tokenizer, val_fraction: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """(train ids, validation ids) of the English corpus under the BPE tokenizer `tok` (a byte-level BPE has no
    unknown tokens, so any tokenizer, a student's own included, encodes the validation text)."""
    train_text, val_text = train_val_split(english_corpus(), val_fraction)
    return (torch.tensor(tok.encode(train_text), dtype=torch.long),
            torch.tensor(tok.encode(val_text), dtype=torch.long))
