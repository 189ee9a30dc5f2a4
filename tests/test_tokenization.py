"""The reference byte-level BPE of Chapter 2: training, encoding, streaming, GPT-2's file format."""

from __future__ import annotations

import math
import time
from itertools import islice

import numpy as np
import pytest

from lmrl_utils.lm.bpe_files import bytes_to_unicode
from lmrl_utils.lm.bpe_naive import naive_train_bpe
from lmrl_utils.lm.corpus import corpus_documents, english_corpus, random_unicode
from lmrl_utils.lm.tokenization import (
    Tokenizer,
    load_vocab_merges,
    merge_pair,
    pretoken_counts,
    save_vocab_merges,
    train_bpe,
    unigram_bits_per_byte,
)

pytestmark = pytest.mark.chapter("02_tokenization")

EOT = "<|endoftext|>"


@pytest.fixture(scope="module")
def small():
    """A tokenizer trained on 30 KB of the corpus with one special token."""
    vocab, merges = train_bpe(english_corpus()[:30_000], 400, [EOT])
    return vocab, merges


def test_classic_example_and_tie_rule():
    vocab, merges = train_bpe("aaabdaaabac", 259)
    assert merges == [(b"a", b"a"), (b"aa", b"a"), (b"aaa", b"b")]
    assert vocab[258] == b"aaab" and len(vocab) == 259
    assert train_bpe("low lower lowest", 258)[1] == [(b"o", b"w"), (b"l", b"ow")]  # tie: the greater pair


def test_pretokens_follow_gpt2_and_drop_special_tokens():
    counts = pretoken_counts("We'll see 42 cats!!  Ok<|endoftext|>x", [EOT])
    pieces = {b"".join(k).decode(): v for k, v in counts.items()}
    assert pieces == {"We": 1, "'ll": 1, " see": 1, " 42": 1, " cats": 1, "!!": 1, " ": 1, " Ok": 1, "x": 1}
    # the longest special token wins where two overlap
    assert pretoken_counts("x<|a|>!y", ["<|a|>", "<|a|>!"]) == {(b"x",): 1, (b"y",): 1}


def test_merge_pair():
    assert merge_pair([1, 2, 3, 1, 2], (1, 2), 9) == [9, 3, 9]
    assert merge_pair([1, 1, 1, 1], (1, 1), 5) == [5, 5]
    assert merge_pair([1, 1, 1], (1, 1), 5) == [5, 1]
    assert merge_pair([], (1, 1), 5) == []


def test_vocab_layout_special_tokens_and_early_stop():
    vocab, merges = train_bpe("hi<|endoftext|>hi<|endoftext|>hi", 300, [EOT, "<|pad|>"])
    assert [vocab[i] for i in range(256)] == [bytes([i]) for i in range(256)]
    assert vocab[256] == EOT.encode() and vocab[257] == b"<|pad|>"
    assert merges == [(b"h", b"i")] and len(vocab) == 259  # no pair left: stop early
    assert train_bpe("abc", 257, [EOT]) == ({**{i: bytes([i]) for i in range(256)}, 256: EOT.encode()}, [])
    with pytest.raises(ValueError):
        train_bpe("abc", 256, [EOT])


def test_incremental_training_equals_naive_recount():
    rng = np.random.default_rng(0)
    texts = [english_corpus()[:15_000], corpus_documents()[-1][:8000], random_unicode(rng, 2000),
             " ".join(rng.permutation(["ab", "ba", "cd", "dc", "aab", "bba"] * 7))]
    for text in texts:
        assert train_bpe(text, 330, [EOT]) == naive_train_bpe(text, 330, [EOT])


def test_merges_never_contain_special_tokens(small):
    vocab, merges = train_bpe((EOT + "ab ") * 200, 300, [EOT])
    assert all(b"<|" not in a + b for a, b in merges)


def test_round_trips(small):
    tok = Tokenizer(*small, special_tokens=[EOT])
    rng = np.random.default_rng(1)
    samples = ["", " ", "\n\n\n", "Hello, world!", "naïve café 🤖 日本語 👩‍👩‍👧", EOT * 3, "a" + EOT + "b",
               english_corpus()[-3000:]]
    samples += [random_unicode(rng, int(n)) for n in rng.integers(0, 300, size=100)]
    for s in samples:
        assert tok.decode(tok.encode(s)) == s


def test_encode_applies_merges_in_learned_order():
    vocab = {i: bytes([i]) for i in range(256)} | {256: b"bc", 257: b"ab"}
    tok = Tokenizer(vocab, [(b"b", b"c"), (b"a", b"b")])
    assert tok.encode("abc") == [97, 256]
    assert tok.encode("ab abc") == [257, 32, 97, 256]


def test_decode_replaces_partial_characters(small):
    tok = Tokenizer(*small)
    assert tok.decode([240]) == "\ufffd"
    assert tok.decode([72, 105, 240, 159]) == "Hi\ufffd"


def test_special_tokens_whole_longest_first_and_added_when_missing(small):
    vocab, merges = small
    double = EOT + EOT
    tok = Tokenizer(vocab, merges, [EOT, double, "<|pad|>"])
    ids = tok.encode("a" + double + "b<|pad|>" + EOT)
    assert [tok.decode([i]) for i in ids] == ["a", double, "b", "<|pad|>", EOT]
    assert tok.encode(EOT) == [256]


def test_encode_iterable_equals_encode_on_any_chunking(small):
    rng = np.random.default_rng(2)
    pieces = [EOT, "<|a|>", "<|a|>b", "<|end", "'ll", "'l", " don't", " ", "  ", "\n", "word", " 9.11", "é", "🤖",
              "|>"]
    for specials in ([EOT, EOT + EOT, "<|a|>", "<|a|>bc"], [], [EOT]):
        tok = Tokenizer(*small, special_tokens=specials)
        for _ in range(400):
            text = "".join(rng.choice(pieces) for _ in range(int(rng.integers(0, 25))))
            cuts = sorted(int(c) for c in rng.integers(0, len(text) + 1, size=int(rng.integers(0, 8))))
            chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
            assert list(tok.encode_iterable(chunks)) == tok.encode(text), chunks
            assert list(tok.encode_iterable(list(text))) == tok.encode(text)


def test_encode_iterable_is_lazy(small):
    tok = Tokenizer(*small, special_tokens=[EOT])
    read = []

    def documents():
        for k in range(10_000):
            read.append(k)
            yield f"document {k}{EOT}\n"

    first = list(islice(tok.encode_iterable(documents()), 50))
    assert len(read) < 30
    assert first == tok.encode("".join(f"document {k}{EOT}\n" for k in range(len(read))))[:50]


def test_gpt2_byte_alphabet():
    table = bytes_to_unicode()
    assert len(set(table.values())) == 256
    assert table[ord("a")] == "a" and table[ord(" ")] == "Ġ" and table[ord("\n")] == "Ċ"


def test_files_round_trip(small, tmp_path):
    vocab, merges = small
    save_vocab_merges(vocab, merges, tmp_path / "vocab.json", tmp_path / "merges.txt")
    assert (tmp_path / "merges.txt").read_text().startswith("#version: 0.2\n")
    loaded_vocab, loaded_merges = load_vocab_merges(tmp_path / "vocab.json", tmp_path / "merges.txt")
    assert loaded_vocab == vocab and loaded_merges == merges


def test_loads_files_written_by_hugging_face_and_encodes_like_it(tmp_path):
    tokenizers = pytest.importorskip("tokenizers")
    from tokenizers import models, pre_tokenizers, trainers

    hf = tokenizers.Tokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=2000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=[EOT], show_progress=False)
    text = english_corpus()
    hf.train_from_iterator([text[:300_000]], trainer=trainer)
    vocab_file, merges_file = sorted(hf.model.save(str(tmp_path)), key=lambda p: p.endswith("merges.txt"))
    vocab, merges = load_vocab_merges(vocab_file, merges_file)
    assert len(merges) > 1000 and sorted(vocab) == list(range(len(vocab)))  # ids in Hugging Face's own order
    ours = Tokenizer(vocab, merges, [EOT])
    sample = text[300_000:400_000]  # 100 KB the tokenizer was not trained on
    start = time.perf_counter()
    ids = ours.encode(sample)
    assert time.perf_counter() - start < 10  # "a few seconds" on a slow CPU; about 0.2 s on the course machine
    assert ids == hf.encode(sample).ids
    assert ours.decode(ids) == sample


def test_unigram_bits_per_byte_by_hand_and_in_bytes_not_characters(small):
    bytes_only = Tokenizer({i: bytes([i]) for i in range(256)}, [])
    r = unigram_bits_per_byte(bytes_only, "ab", "ba")  # p(a) = p(b) = 2 / 258
    assert r["bytes_per_token"] == 1 and math.isclose(r["bits_per_byte"], math.log2(129))
    r = unigram_bits_per_byte(bytes_only, "ab", "é")  # 2 bytes, 2 unseen tokens of probability 1 / 258
    assert r["bytes_per_token"] == 1 and math.isclose(r["bits_per_token"], math.log2(258))
    tok = Tokenizer(*small, special_tokens=[EOT])
    text = english_corpus()[-5000:] + "naïve café 🤖" + EOT
    r = unigram_bits_per_byte(tok, english_corpus()[:30_000], text)
    assert math.isclose(r["bits_per_byte"] * r["bytes_per_token"], r["bits_per_token"])
    assert math.isclose(r["bytes_per_token"], len(text.encode()) / len(tok.encode(text)))
    assert r["bits_per_token"] < math.log2(len(tok.vocab))  # better than the uniform distribution
