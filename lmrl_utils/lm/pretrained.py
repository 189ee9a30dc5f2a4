"""Chapter 3's two trained models, cached on disk so every page (and the RLHF chapter) shares one training run.

Weights are made by this code, never downloaded, and kept by `lmrl_utils.cache` in a file whose name hashes the
whole recipe (model config, training config, data checksum, seed, code version). Training is seeded and
single-threaded, so a missing file is rebuilt to the same weights.

Example:
    The first call trains for about a minute; later calls load the cached weights instantly.

    >>> model, tok, history = pretrained("synthetic")  # doctest: +SKIP
    >>> tok.decode(model(tok.encode("abc")[None])[0, -1].argmax()[None])  # doctest: +SKIP
    'a'
"""

from __future__ import annotations

import time

import torch

from lmrl_utils.cache import cache_dir, load_or_build, recipe_key, torch_threads
from lmrl_utils.lm.corpus import ENGLISH_FILE, english_corpus, text_sha256
from lmrl_utils.lm.data import CharTokenizer, english_data, synthetic_data
from lmrl_utils.lm.gpt import GPT, GPTConfig, TrainConfig
from lmrl_utils.lm.validation import fit

RECIPES: dict[str, dict] = {
    # the Markov language of lmrl_utils.lm.synthetic_language (9 letters, order 3)
    "synthetic": {
        "model": GPTConfig(vocab_size=9, block_size=64, d_model=64, n_layers=2, n_heads=4),
        "train": TrainConfig(steps=1000, batch_size=32, max_lr=6e-3, min_lr=6e-4, warmup_steps=50),
        "eval_every": 50,
        "skip": 2,  # positions 0, 1 see 1, 2 letters, less than the source's order 3: left out of the comparison
        "seed": 0,
    },
    # the course's English text (Python's documentation), one token per character: the vocabulary is the
    # corpus's distinct characters (counted, never typed in), and the corpus file's checksum is in the key
    "english": {
        "model": GPTConfig(vocab_size=len(set(english_corpus())), block_size=64, d_model=64, n_layers=2, n_heads=4),
        "train": TrainConfig(steps=1000, batch_size=32, max_lr=6e-3, min_lr=6e-4, warmup_steps=50),
        "eval_every": 100,
        "skip": 0,
        "seed": 0,
        "data": text_sha256(ENGLISH_FILE),
    },
}


def _build(name: str) -> dict:
    recipe = RECIPES[name]
    tok, train_ids, val_ids = synthetic_data() if name == "synthetic" else english_data()
    assert tok.vocab_size == recipe["model"].vocab_size, "RECIPES derives the vocabulary from the same data"
    with torch_threads(1):  # one thread: the same weights on every machine, and no slower for a model this small
        torch.manual_seed(recipe["seed"])
        model = GPT(recipe["model"])
        start = time.perf_counter()
        history = fit(model, train_ids, val_ids, recipe["train"], seed=recipe["seed"],
                      eval_every=recipe["eval_every"], skip=recipe["skip"])
        history["train_seconds"] = time.perf_counter() - start
    return {"state_dict": model.state_dict(), "chars": tok.chars, "history": history}


def pretrained(name: str = "english") -> tuple[GPT, CharTokenizer, dict]:
    """The chapter's trained model `name` ("synthetic" or "english"): (model in eval mode, tokenizer, history).

    Trains it (about a minute on 2 CPU cores) only when the cache has no file for the current recipe.
    """
    if name not in RECIPES:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(RECIPES)}")
    path = cache_dir() / f"gpt-{name}-{recipe_key(RECIPES[name])}.pt"
    saved = load_or_build(path, lambda: _build(name))
    model = GPT(RECIPES[name]["model"])
    model.load_state_dict(saved["state_dict"])
    model.eval()
    return model, CharTokenizer.from_chars(saved["chars"]), saved["history"]
