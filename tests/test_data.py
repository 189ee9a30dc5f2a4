"""lmrl_utils.lm.corpus: the offline corpus, the train/validation split, the random Unicode generator."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lmrl_utils.lm.corpus import (
    ENGLISH_FILE,
    PARALLEL_SENTENCES,
    TEXTS,
    corpus_documents,
    english_corpus,
    random_unicode,
    train_val_split,
)

pytestmark = pytest.mark.chapter("02_tokenization", "03_lm_training")


def test_corpus_is_the_python_documentation():
    topics = json.loads((TEXTS / ENGLISH_FILE).read_text(encoding="utf-8"))
    docs = corpus_documents()
    assert len(docs) == len(topics) and "if" in topics and "with" in topics
    assert docs == [topics[name].strip() for name in sorted(topics)]
    text = english_corpus()
    assert len(text) > 100_000  # 465,048 characters (tests/snapshots/texts.json)
    assert text == english_corpus()  # deterministic
    assert all(doc in text for doc in docs[:5])


def test_train_val_split_is_a_contiguous_cut_at_a_line_break():
    text = english_corpus()
    train, val = train_val_split(text, 0.1)
    assert train + val == text
    assert train.endswith("\n")
    assert 0.08 < len(val) / len(text) < 0.12
    assert train_val_split("a\nb\nc\nd\n", 0.5) == ("a\nb\n", "c\nd\n")
    assert train_val_split("no line breaks here", 0.5) == ("no line br", "eaks here")
    for bad in (0, 1, -0.1, 1.5):
        with pytest.raises(ValueError):
            train_val_split(text, bad)


def test_random_unicode_is_seeded_valid_and_varied():
    a = random_unicode(np.random.default_rng(3), 2000)
    assert a == random_unicode(np.random.default_rng(3), 2000)
    assert a != random_unicode(np.random.default_rng(4), 2000)
    assert len(a) == 2000
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in a)
    lengths = {len(c.encode("utf-8")) for c in a}
    assert lengths == {1, 2, 3, 4}
    assert random_unicode(np.random.default_rng(0), 0) == ""


def test_parallel_sentences():
    assert "English" in PARALLEL_SENTENCES and len(PARALLEL_SENTENCES) >= 6
    assert all(s.strip() == s and len(s) > 10 for s in PARALLEL_SENTENCES.values())
