"""lmrl_utils.lm.pretrained with tiny recipes, the English BPE tokenizer's cache, and bits per byte: seconds.

The real recipes are trained by the book build (Chapter 3's pages), not here.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from lmrl_utils.lm import data, pretrained
from lmrl_utils.lm.accounting import (
    compute_optimal_tokens,
    forward_flops_per_token,
    non_embedding_params,
    training_flops,
    training_memory_bytes,
)
from lmrl_utils.lm.data import CharTokenizer, english_tokenizer, tokenizer_fingerprint, tokenizer_recipe
from lmrl_utils.lm.gpt import GPT, GPTConfig, TrainConfig
from lmrl_utils.lm.tokenization import Tokenizer, train_bpe
from lmrl_utils.lm.validation import bits_per_byte, evaluate, evaluate_bpb, fit, token_bytes

pytestmark = pytest.mark.chapter("03_lm_training")

SMALL_VOCAB = 300  # 44 merges: trains in a fraction of a second


@pytest.fixture
def tiny_english(tmp_path, monkeypatch):
    """RECIPES["english"] shrunk to a few training steps and a 300-token BPE, with an empty cache."""
    monkeypatch.setenv("LMRL_CACHE", str(tmp_path / "cache"))
    recipe = dict(pretrained.RECIPES["english"])
    recipe["model"] = GPTConfig(vocab_size=SMALL_VOCAB, block_size=16, d_model=16, n_layers=1, n_heads=2)
    recipe["train"] = TrainConfig(steps=3, batch_size=2, warmup_steps=1)
    recipe["eval_every"] = 3
    recipe["tokenizer"] = tokenizer_recipe(SMALL_VOCAB)
    monkeypatch.setitem(pretrained.RECIPES, "english", recipe)
    return tmp_path / "cache"


def test_english_model_reads_bpe_and_is_cached(tiny_english, monkeypatch):
    model, tok, history = pretrained.pretrained("english")
    assert isinstance(tok, Tokenizer) and len(tok.vocab) == SMALL_VOCAB
    assert model.config.vocab_size == SMALL_VOCAB and not model.training
    assert tok.decode(tok.encode("The with statement")) == "The with statement"
    assert len(history["val_bpb"]) == len(history["val_loss"]) == 1 and history["val_bpb"][0] > 0
    files = sorted(p.name for p in tiny_english.iterdir())
    assert len(files) == 2 and files[0].startswith("bpe-english-") and files[1].startswith("gpt-english-")

    def no_training(*args, **kwargs):
        raise AssertionError("a cached model was retrained")

    monkeypatch.setattr(pretrained, "_build", no_training)
    again, _, _ = pretrained.pretrained("english")
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values(),
                                                  strict=True))


def test_a_changed_tokenizer_changes_the_model_cache_key(tiny_english):
    tok = english_tokenizer(SMALL_VOCAB)
    assert tokenizer_fingerprint(tok) == tokenizer_fingerprint(english_tokenizer(SMALL_VOCAB))  # loaded, same
    vocab, merges = dict(tok.vocab), list(tok.merge_ranks)
    merges = [(tok.vocab[a], tok.vocab[b]) for a, b in merges]
    swapped = merges[:-2] + merges[-2:][::-1]  # same merges, the last two learned in the other order
    other = Tokenizer(vocab, swapped)
    assert tokenizer_fingerprint(other) != tokenizer_fingerprint(tok)
    assert pretrained.cache_path("english", other) != pretrained.cache_path("english", tok)
    # and the tokenizer's own key follows its size, the corpus and the trainer's code
    assert tokenizer_recipe(SMALL_VOCAB) != tokenizer_recipe(SMALL_VOCAB + 1)
    assert "trainer" in tokenizer_recipe(SMALL_VOCAB) and "data" in tokenizer_recipe(SMALL_VOCAB)


def test_the_tokenizer_never_sees_the_validation_text(tiny_english, monkeypatch):
    seen = []
    monkeypatch.setattr(data, "train_bpe", lambda text, size: seen.append(text) or train_bpe(text, size))
    english_tokenizer(SMALL_VOCAB + 2)
    train_ids, val_ids = data.english_bpe_data(english_tokenizer(SMALL_VOCAB + 2))
    assert len(seen) == 1  # trained once, then loaded from the cache
    train_text, val_text = data.train_val_split(data.english_corpus(), 0.1)
    assert seen[0] == train_text and val_text not in seen[0]
    assert len(train_ids) > 5 * len(val_ids) > 0


def test_unknown_model_name():
    with pytest.raises(ValueError, match="english-char"):
        pretrained.pretrained("englsh")


def test_token_bytes_of_both_tokenizers():
    assert token_bytes(CharTokenizer("aé€")).tolist() == [1, 2, 3]
    vocab, merges = train_bpe("aé aé aé", 258)
    lengths = token_bytes(Tokenizer(vocab, merges))
    assert len(lengths) == 258 and lengths[:256].tolist() == [1] * 256
    assert lengths[256:].tolist() == [len(vocab[256]), len(vocab[257])] and lengths[257] >= 2


def test_bits_per_byte_of_a_uniform_model_is_log2_vocab_over_bytes_per_token():
    """A model with all-zero logits pays log V nats per token, so log2 V bits per token / bytes per token."""
    config = GPTConfig(vocab_size=6, block_size=4, d_model=8, n_layers=1, n_heads=2)
    model = GPT(config)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    lengths = torch.tensor([1, 1, 2, 2, 3, 4])
    tokens = torch.tensor([0, 1, 2, 3, 4, 5, 0, 1, 2, 5, 5])  # 2 windows of 4: targets tokens[1:9]
    scores = evaluate_bpb(model, tokens, lengths)
    n_bytes = int(lengths[tokens[1:9]].sum())
    assert scores["tokens"] == 8 and scores["bytes"] == n_bytes
    assert scores["loss"] == pytest.approx(math.log(6))
    assert scores["bpb"] == pytest.approx(8 * math.log2(6) / n_bytes)
    assert scores["loss"] == pytest.approx(evaluate(model, tokens))
    assert bits_per_byte(8 * math.log(2), 8) == 1.0


def test_fit_records_bits_per_byte_beside_the_loss():
    config = GPTConfig(vocab_size=6, block_size=4, d_model=8, n_layers=1, n_heads=2)
    torch.manual_seed(0)
    model = GPT(config)
    stream = torch.arange(60) % 6
    lengths = torch.tensor([1, 2, 1, 2, 1, 2])  # the stream's tokens average 1.5 bytes
    history = fit(model, stream, stream, dataclasses.replace(TrainConfig(), steps=4, batch_size=2, warmup_steps=1),
                  eval_every=2, lengths=lengths)
    for loss, bpb in zip(history["val_loss"], history["val_bpb"], strict=True):
        assert bpb == pytest.approx(loss / math.log(2) / 1.5, rel=0.05)


def test_accounting_counts_the_blocks_once_and_the_head_by_vocabulary():
    small, large = (GPT(GPTConfig(vocab_size=v, block_size=16, d_model=16, n_layers=2, n_heads=2)) for v in (10, 1000))
    assert non_embedding_params(small) == non_embedding_params(large)  # only the embedding table grows
    assert forward_flops_per_token(large) - forward_flops_per_token(small) == 2 * 16 * (1000 - 10)
    assert forward_flops_per_token(small, context=0) == 2 * non_embedding_params(small) + 2 * 16 * 10
    assert training_flops(small, 100) == 3 * 100 * forward_flops_per_token(small)
    assert training_memory_bytes(small) == 16 * sum(p.numel() for p in small.parameters())
    assert compute_optimal_tokens(1000) == 20_000


def test_the_english_models_train_alike_so_the_training_page_compares_them_at_equal_compute():
    """Characters vs BPE on the training page: same blocks, same steps of the same batches of windows."""
    bpe, char = pretrained.RECIPES["english"], pretrained.RECIPES["english-char"]
    assert bpe["train"] == char["train"] == pretrained.ENGLISH_TRAIN
    assert dataclasses.replace(bpe["model"], vocab_size=0) == dataclasses.replace(char["model"], vocab_size=0)
    assert bpe["train"].steps % bpe["eval_every"] == 0, "the last evaluation would fall between two scheduled ones"
