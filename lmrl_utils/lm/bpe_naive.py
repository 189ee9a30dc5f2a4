"""The textbook BPE trainer that recounts every pair after each merge: correct, simple and slow.

It learns exactly the same merges as `lmrl_utils.lm.tokenization.train_bpe` (same pre-tokens, same tie rule), so
the two can be compared for speed (bench/bpe_speed.py, Chapter 2's BPE page) and checked against each other.
Example: naive_train_bpe("aaabdaaabac", 259)[1] -> [(b'a', b'a'), (b'aa', b'a'), (b'aaa', b'b')]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import pairwise

from lmrl_utils.lm.tokenization import merge_pair, pretoken_counts


def naive_train_bpe(
    text: str, vocab_size: int, special_tokens: Iterable[str] = ()
) -> tuple[dict[int, bytes], list[tuple[bytes, bytes]]]:
    """Same contract as `train_bpe`, but every merge recounts all pairs of all (unique) pre-tokens."""
    special_tokens = list(special_tokens)
    vocab = {i: bytes([i]) for i in range(256)}
    for token in special_tokens:
        vocab[len(vocab)] = token.encode("utf-8")
    if vocab_size < len(vocab):
        raise ValueError(f"vocab_size={vocab_size} is smaller than the {len(vocab)} bytes and special tokens")
    words = {tuple(word): freq for word, freq in pretoken_counts(text, special_tokens).items()}
    merges: list[tuple[bytes, bytes]] = []
    while len(vocab) < vocab_size:
        pair_counts: Counter[tuple[bytes, bytes]] = Counter()
        for word, freq in words.items():  # the slow part: a full recount after every single merge
            for pair in pairwise(word):
                pair_counts[pair] += freq
        if not pair_counts:
            break
        best = max(pair_counts, key=lambda p: (pair_counts[p], p))
        merges.append(best)
        vocab[len(vocab)] = best[0] + best[1]
        words = {tuple(merge_pair(list(word), best, best[0] + best[1])): freq for word, freq in words.items()}
    return vocab, merges
