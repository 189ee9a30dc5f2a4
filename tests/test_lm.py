"""Unit tests of lmrl_utils.lm (gpt, data, validation, pretrained, kv_cache) and lmrl_utils.cache: seconds."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from lmrl_utils import cache
from lmrl_utils.lm import pretrained
from lmrl_utils.lm.data import CharTokenizer
from lmrl_utils.lm.decoding import generate
from lmrl_utils.lm.gpt import GPT, GPTConfig, TrainConfig, lr_at, perplexity, sample_batch, token_cross_entropy, train
from lmrl_utils.lm.kv_cache import generate_cached
from lmrl_utils.lm.validation import eval_windows, evaluate, position_losses

pytestmark = pytest.mark.chapter("03_lm_training")

TINY = GPTConfig(vocab_size=20, block_size=16, d_model=32, n_layers=2, n_heads=4)


def test_cross_entropy_matches_torch_with_padding_and_huge_logits():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 7, 11, generator=g) * 1e4
    targets = torch.randint(11, (3, 7), generator=g)
    targets[0, 2:] = -100
    expected = F.cross_entropy(logits.reshape(-1, 11), targets.reshape(-1), ignore_index=-100)
    assert torch.isfinite(token_cross_entropy(logits, targets))
    torch.testing.assert_close(token_cross_entropy(logits, targets), expected, rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(perplexity(torch.zeros(2, 5), torch.tensor([1, 4])), torch.tensor(5.0))


def test_per_token_and_per_sequence_means_differ_for_unequal_lengths():
    """The chapter's point (L-06): a flat token mean weights long sequences more than (1/b) Σ_j mean_j."""
    nll = torch.tensor([[1.0, 1.0, 1.0, 1.0], [3.0, 0.0, 0.0, 0.0]])
    lengths = torch.tensor([4, 1])
    mask = torch.arange(4)[None] < lengths[:, None]
    per_token = (nll * mask).sum() / mask.sum()  # 7 / 5
    per_sequence = ((nll * mask).sum(1) / lengths).mean()  # (1 + 3) / 2
    assert abs(per_token.item() - 1.4) < 1e-6 and abs(per_sequence.item() - 2.0) < 1e-6


def test_sample_batch_shifts_by_one_and_covers_every_start():
    x, y = sample_batch(torch.arange(10), 2000, 4, torch.Generator().manual_seed(0))
    assert torch.equal(y, x + 1)
    assert set(x[:, 0].tolist()) == set(range(6))


def test_gpt_shapes_tying_causality_and_length_limit():
    torch.manual_seed(0)
    model = GPT(TINY)
    idx = torch.randint(20, (2, 9))
    logits = model(idx)
    assert logits.shape == (2, 9, 20)
    assert model.head.weight is model.tok_emb.weight
    idx2 = idx.clone()
    idx2[:, -1] = (idx2[:, -1] + 1) % 20
    torch.testing.assert_close(model(idx2)[:, :-1], logits[:, :-1])
    with pytest.raises(ValueError):
        model(torch.zeros(1, 17, dtype=torch.long))


def test_schedule_endpoints():
    assert lr_at(0, 1.0, 0.0, 4, 8) == 0.25
    assert lr_at(3, 1.0, 0.0, 4, 8) == 1.0
    assert math.isclose(lr_at(6, 1.0, 0.0, 4, 8), 0.5)
    assert lr_at(100, 1.0, 0.1, 4, 8) == 0.1


def test_training_is_reproducible_and_learns_a_pattern():
    stream = torch.tensor([0, 5, 3, 9, 1, 7, 2]).repeat(50)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = GPT(TINY)
        runs.append(train(model, stream, TrainConfig(steps=40, batch_size=8, max_lr=1e-2, warmup_steps=5),
                          torch.Generator().manual_seed(0), progress=False))
    assert runs[0] == runs[1]
    assert runs[0][-1] < 0.5 * runs[0][0]
    assert evaluate(model, stream) < 1.0
    assert position_losses(model, stream).shape == (16,)


def test_char_tokenizer_round_trip_and_unknown_character():
    tok = CharTokenizer("hello world")
    assert tok.decode(tok.encode("low hell")) == "low hell"
    assert tok.vocab_size == 8
    with pytest.raises(ValueError, match="'z'"):
        tok.encode("z")
    x, y = eval_windows(torch.arange(10), 3)
    assert x.tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]] and torch.equal(y, x + 1)


def test_kv_cache_generation_equals_full_recomputation():
    torch.manual_seed(1)
    model = GPT(TINY).eval()
    with torch.no_grad():
        model.tok_emb.weight.mul_(5)
    prompt = torch.randint(20, (3, 4))
    torch.testing.assert_close(generate_cached(model, prompt, 10, temperature=0), generate(model, prompt, 10, 0))
    a = generate_cached(model, prompt, 10, temperature=1.0, generator=torch.Generator().manual_seed(2))
    b = generate(model, prompt, 10, temperature=1.0, generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b)


def test_cache_key_changes_with_the_recipe_and_writes_are_atomic(tmp_path, monkeypatch):
    monkeypatch.setenv("LMRL_CACHE", str(tmp_path / "cache"))
    assert cache.cache_dir() == tmp_path / "cache"
    recipe = dict(pretrained.RECIPES["synthetic"])
    key = cache.recipe_key(recipe)
    assert key == cache.recipe_key(dict(recipe))
    recipe["train"] = TrainConfig(steps=999)
    assert cache.recipe_key(recipe) != key
    calls = []
    path = tmp_path / "cache" / "thing.pt"
    built = cache.load_or_build(path, lambda: calls.append(1) or {"x": torch.ones(2)})
    again = cache.load_or_build(path, lambda: calls.append(1) or {"x": torch.zeros(2)})
    assert calls == [1] and torch.equal(built["x"], again["x"])
    assert [p.name for p in path.parent.iterdir()] == ["thing.pt"]  # no temporary file left behind
    path.write_bytes(b"truncated")  # a corrupt file is rebuilt
    assert torch.equal(cache.load_or_build(path, lambda: {"x": torch.zeros(2)})["x"], torch.zeros(2))


def test_concurrent_writers_leave_one_complete_file(tmp_path):
    """Two processes saving to the same cache path at once: the file always loads."""
    code = ("import sys, torch; from pathlib import Path; from lmrl_utils.cache import atomic_save\n"
            "for i in range(20): atomic_save({'w': torch.full((20000,), float(sys.argv[1]))}, Path(sys.argv[2]))")
    target = tmp_path / "shared.pt"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(v), str(target)], env=os.environ.copy())
             for v in (1, 2)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    w = torch.load(target)["w"]
    assert w.shape == (20000,) and len(set(w.tolist())) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["shared.pt"]
