"""Byte-level BPE from scratch: the reference implementations of Chapter 2's graded exercises.

`pretoken_counts`, `merge_pair`, `train_bpe`, `Tokenizer` and `unigram_bits_per_byte` are also written, line for
line, in the instructor notebook `solutions/02_tokenization/bpe.ipynb` (`tests/test_solution_sync.py` keeps the
copies equal); Chapter 2's pages import them from here.
Chapter 3's English model reads tokens of this byte-level BPE, trained by `train_bpe` on the course's text
(`lmrl_utils.lm.data.english_tokenizer`, `lmrl_utils.lm.pretrained`).
Files in GPT-2's format are read and written by `lmrl_utils.lm.bpe_files` (re-exported
here: `Tokenizer(*load_vocab_merges("encoder.json", "vocab.bpe"))`); the slow textbook trainer that recounts
every pair, the baseline of the speed comparison, is `lmrl_utils.lm.bpe_naive.naive_train_bpe`.

Example:
    >>> vocab, merges = train_bpe("low lower lowest", vocab_size=258)
    >>> merges
    [(b'o', b'w'), (b'l', b'ow')]
    >>> tok = Tokenizer(vocab, merges)
    >>> [tok.decode([i]) for i in tok.encode("lowly")]
    ['low', 'l', 'y']
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from itertools import pairwise

import regex

from lmrl_utils.lm.bpe_files import load_vocab_merges, save_vocab_merges

# The graded items of this module: a graded exercise may use none of them (lmrl_utils.grading.provenance).
GRADED = ("pretoken_counts", "merge_pair", "train_bpe", "Tokenizer", "unigram_bits_per_byte")

# GPT-2's pre-tokenizer: contractions, letters with an optional leading space, numbers with an optional
# leading space, other symbols with an optional leading space, runs of whitespace. Merges never cross pieces.
GPT2_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
GPT2_RE = regex.compile(GPT2_PATTERN)

__all__ = [
    "GPT2_PATTERN", "GPT2_RE", "Tokenizer", "load_vocab_merges", "merge_pair", "pretoken_counts",
    "save_vocab_merges", "train_bpe", "unigram_bits_per_byte",
]


def pretoken_counts(text: str, special_tokens: Iterable[str] = ()) -> Counter[tuple[bytes, ...]]:
    """How often each pre-token occurs in `text`, as tuples of single bytes; special tokens are left out.

    The text is first cut at every special token (which is dropped, so no merge ever involves it), then each
    piece is split with the GPT-2 pattern, and each pre-token is UTF-8 encoded and cut into single bytes.
    Example: pretoken_counts("ab ab<|eot|>a", ["<|eot|>"])
             -> Counter({(b'a', b'b'): 1, (b' ', b'a', b'b'): 1, (b'a',): 1})
    """
    specials = sorted(special_tokens, key=len, reverse=True)  # longest first: it wins over its own prefixes
    pieces = regex.split("|".join(regex.escape(s) for s in specials), text) if specials else [text]
    counts: Counter[tuple[bytes, ...]] = Counter()
    for piece in pieces:
        for match in GPT2_RE.finditer(piece):
            counts[tuple(bytes([b]) for b in match.group().encode("utf-8"))] += 1
    return counts


def merge_pair(word: list, pair: tuple, new: object) -> list:
    """Replace every occurrence of `pair` in `word`, left to right, by `new`.

    Example: merge_pair([b'a', b'a', b'a'], (b'a', b'a'), b'aa') -> [b'aa', b'a']
    """
    out = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
            out.append(new)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def train_bpe(
    text: str, vocab_size: int, special_tokens: Iterable[str] = ()
) -> tuple[dict[int, bytes], list[tuple[bytes, bytes]]]:
    """Learn a byte-level BPE vocabulary of `vocab_size` entries from `text`.

    Returns (vocab, merges): vocab maps id -> bytes (ids 0..255 are the single bytes, then the special tokens,
    then one token per merge); merges lists the merged pairs in the order they were learned. Each step merges
    the most frequent adjacent pair inside pre-tokens; ties go to the greatest pair, max by (count, pair).
    Pair counts are updated incrementally: only the words that contain the merged pair are recounted.
    Example: train_bpe("aaabdaaabac", 259) -> merges [(b'a', b'a'), (b'aa', b'a'), (b'aaa', b'b')]
    """
    special_tokens = list(special_tokens)
    vocab = {i: bytes([i]) for i in range(256)}
    for token in special_tokens:
        vocab[len(vocab)] = token.encode("utf-8")
    if vocab_size < len(vocab):
        raise ValueError(f"vocab_size={vocab_size} is smaller than the {len(vocab)} bytes and special tokens")

    counted = pretoken_counts(text, special_tokens)
    words = [list(word) for word in counted]  # each unique pre-token once, as a list of tokens
    freqs = list(counted.values())  # how often each word occurs in the text
    pair_counts: Counter[tuple[bytes, bytes]] = Counter()
    where: defaultdict[tuple[bytes, bytes], set[int]] = defaultdict(set)  # pair -> words that may hold it
    for i, word in enumerate(words):
        for pair in pairwise(word):
            pair_counts[pair] += freqs[i]
            where[pair].add(i)

    merges: list[tuple[bytes, bytes]] = []
    while len(vocab) < vocab_size and pair_counts:
        top = max(pair_counts.values())
        best = max(pair for pair, count in pair_counts.items() if count == top)  # ties: the greatest pair
        new = best[0] + best[1]
        merges.append(best)
        vocab[len(vocab)] = new
        for i in where.pop(best):  # only these words change: subtract their old pairs, add their new ones
            word, freq = words[i], freqs[i]
            for pair in pairwise(word):
                pair_counts[pair] -= freq
                if pair_counts[pair] == 0:
                    del pair_counts[pair]
            word = merge_pair(word, best, new)
            words[i] = word
            for pair in pairwise(word):
                pair_counts[pair] += freq
                where[pair].add(i)
    return vocab, merges


class Tokenizer:
    """Encode text to token ids and back with a byte-level BPE vocabulary and its ordered merges.

    `vocab` maps id -> bytes and must contain the 256 single bytes; `merges` lists (bytes, bytes) pairs in
    the order they were learned (each merged pair must also be in `vocab`); `special_tokens` are strings that
    are never split (added to the vocabulary when missing). Ids need not follow train_bpe's layout, so GPT-2's
    own files load too (see lmrl_utils.lm.bpe_files).
    Example: tok = Tokenizer(*train_bpe(text, 300)); tok.decode(tok.encode("any text ✓")) == "any text ✓"
    """

    def __init__(
        self, vocab: dict[int, bytes], merges: list[tuple[bytes, bytes]], special_tokens: Iterable[str] = ()
    ) -> None:
        self.vocab = dict(vocab)
        self.special_tokens = sorted(special_tokens, key=len, reverse=True)  # longest first: it wins
        self.ids = {token: i for i, token in self.vocab.items()}  # bytes -> id
        for special in self.special_tokens:
            if special.encode("utf-8") not in self.ids:
                self.ids[special.encode("utf-8")] = len(self.vocab)
                self.vocab[len(self.vocab)] = special.encode("utf-8")
        # (left id, right id) -> (rank, merged id); the lowest rank was learned first and is applied first
        self.merge_ranks = {
            (self.ids[a], self.ids[b]): (rank, self.ids[a + b]) for rank, (a, b) in enumerate(merges)
        }
        alternatives = "|".join(regex.escape(s) for s in self.special_tokens)
        self.special_re = regex.compile(f"({alternatives})") if self.special_tokens else None
        self.cache: dict[str, list[int]] = {}  # pre-token -> ids: running text repeats the same words

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`: each special token as one id, the rest by BPE inside each pre-token."""
        pieces = self.special_re.split(text) if self.special_re else [text]
        ids: list[int] = []
        for k, piece in enumerate(pieces):
            if k % 2 == 1:  # split() with a capturing group puts the special tokens at the odd positions
                ids.append(self.ids[piece.encode("utf-8")])
            else:
                for match in GPT2_RE.finditer(piece):
                    ids.extend(self.encode_pretoken(match.group()))
        return ids

    def encode_pretoken(self, pretoken: str) -> list[int]:
        """BPE on one pre-token: start from its bytes, merge the adjacent pair learned first, repeat."""
        if pretoken not in self.cache:
            ids = [self.ids[bytes([b])] for b in pretoken.encode("utf-8")]
            while len(ids) > 1:
                pair = min(pairwise(ids), key=lambda p: self.merge_ranks.get(p, (float("inf"), -1)))
                if pair not in self.merge_ranks:
                    break  # no adjacent pair was ever merged: done
                ids = merge_pair(ids, pair, self.merge_ranks[pair][1])
            if len(self.cache) > 100_000:
                self.cache.clear()  # bounded memory on endless streams
            self.cache[pretoken] = ids
        return self.cache[pretoken]

    def decode(self, ids: Iterable[int]) -> str:
        """The text of `ids`; bytes that are not valid UTF-8 (half an emoji, say) become U+FFFD."""
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", errors="replace")

    def encode_iterable(self, chunks: Iterable[str]) -> Iterator[int]:
        """Encode a stream of strings (e.g. the lines of an open file) lazily, in bounded memory.

        Yields exactly the ids of encode("".join(chunks)). Text is held back while what follows could still
        change how it is split: the last two pre-tokens (a word may go on; "'ll" looks two characters ahead)
        and a tail that could be the start of a special token.
        """
        buffer = ""
        for chunk in chunks:
            buffer += chunk
            cut = self.safe_cut(buffer)
            if cut > 0:
                yield from self.encode(buffer[:cut])
                buffer = buffer[cut:]
        yield from self.encode(buffer)

    def safe_cut(self, buffer: str) -> int:
        """A position p such that encode(buffer[:p]) is final whatever text follows `buffer` (0 if none).

        Example: with no special tokens, safe_cut("the cat sat") == 3, so "the" can be encoded now.
        """
        longest = max((len(s) for s in self.special_tokens), default=0)
        inside = set()  # positions inside a special token found in the buffer
        for m in self.special_re.finditer(buffer) if self.special_re else ():
            inside.update(range(m.start() + 1, m.end()))
        for p in range(max(0, len(buffer) - longest + 1), len(buffer)):
            tail = buffer[p:]
            if p not in inside and any(len(s) > len(tail) and s.startswith(tail) for s in self.special_tokens):
                buffer = buffer[:p]  # the tail may still grow into a special token: decide when more text comes
                break
        ends = [m.end() for m in self.special_re.finditer(buffer)] if self.special_re else []
        after = ends[-1] if ends else 0  # the end of a special token is a boundary nothing can cross
        starts = [after + m.start() for m in GPT2_RE.finditer(buffer[after:])]
        return starts[-2] if len(starts) >= 3 else after


def unigram_bits_per_byte(tokenizer: Tokenizer, train_text: str, heldout_text: str) -> dict[str, float]:
    """Compression and the loss of the simplest language model, a unigram over tokens, on unseen text.

    p(id) = (count of id among the tokens of train_text + 1) / (number of those tokens + V), V = len(vocab): add-one
    smoothing gives a token never seen in training a finite loss. Bits per byte, the held-out text's total loss in
    bits over its UTF-8 bytes, is the unit in which models with different tokenizers compare
    (lmrl_utils.lm.validation.bits_per_byte). Example: with the 256 single bytes only, training on "ab" gives
    p(a) = p(b) = 2 / 258, so "ba" costs log2(129) bits per byte:
    >>> tok = Tokenizer({i: bytes([i]) for i in range(256)}, [])
    >>> round(unigram_bits_per_byte(tok, "ab", "ba")["bits_per_byte"], 4)
    7.0112
    """
    counts = Counter(tokenizer.encode(train_text))
    total = sum(counts.values()) + len(tokenizer.vocab)  # add-one smoothing over the whole vocabulary
    ids = tokenizer.encode(heldout_text)
    n_bytes = len(heldout_text.encode("utf-8"))  # bytes, not characters: "é" is 2
    bits = sum(math.log2(total / (counts[i] + 1)) for i in ids)  # -log2 p(id), summed over the held-out tokens
    return {"bytes_per_token": n_bytes / len(ids), "bits_per_token": bits / len(ids), "bits_per_byte": bits / n_bytes}
