"""Chapter 3's trained models, cached on disk so every page (and the RLHF chapter) shares one training run.

Weights are made by this code, never downloaded, and kept by `lmrl_utils.cache` in a file whose name hashes the
whole recipe (model config, training config, data checksum, seed, code version) and, for a BPE model, the
tokenizer's vocabulary and merges: a changed tokenizer retrains. Training is seeded and single-threaded, so a
missing file is rebuilt to the same weights.

Example:
    The first call trains for about a minute; later calls load the cached weights instantly.

    >>> model, tok, history = pretrained("english")  # doctest: +SKIP
    >>> logits = model(torch.tensor([tok.encode("The for statement")]))  # doctest: +SKIP
    >>> tok.decode(logits[0, -1].topk(3).indices.tolist())  # the 3 likeliest next tokens  # doctest: +SKIP
"""

from __future__ import annotations

import time

import torch

from lmrl_utils.cache import cache_dir, load_or_build, recipe_key, torch_threads
from lmrl_utils.lm.corpus import ENGLISH_FILE, english_corpus, text_sha256
from lmrl_utils.lm.data import (
    CharTokenizer,
    english_bpe_data,
    english_data,
    english_tokenizer,
    synthetic_data,
    tokenizer_fingerprint,
    tokenizer_recipe,
)
from lmrl_utils.lm.gpt import GPT, GPTConfig, TrainConfig
from lmrl_utils.lm.tokenization import Tokenizer
from lmrl_utils.lm.validation import fit, token_bytes

# The English model's BPE vocabulary: 256 bytes + 1024 merges, chosen by measurement. bench/bpe_vocab.py trains this
# recipe on 256 + {256, 512, 1024, 1536} merges and scores the whole validation text (bench/bpe_vocab.csv, one seed,
# measured with the earlier schedule of 1000 steps at peak 6e-3): 1.831, 1.814, 1.807, 1.884 bits per byte. Larger
# vocabularies hold more text per token (2.3 -> 3.4 bytes) but leave fewer training tokens (196k -> 120k) for more
# embedding rows, and cost more per step (62 -> 106 CPU s); 1280 is the best of the four.
ENGLISH_VOCAB = 1280

# The English models' training: 750 steps, so that a cold cache trains the BPE model in about 75 s of one core (the
# budget is 90 s). Retuned from 1000 steps at peak 6e-3 (1.807 bits per byte on the whole validation text): cut to
# 700 steps, peaks 3e-3, 4e-3, 6e-3, 1e-2 gave 1.835, 1.822, 1.838, 2.029; 750 steps at 4e-3 gives 1.811; 1000 steps
# of 22 windows instead of 32 gave 1.928 (one seed each, evaluate_bpb). Three quarters of the compute, the same
# quality within a few thousandths of a bit. Where a step's time goes: about half in the loss (token_cross_entropy's
# log-softmax over 1280 logits and its backward), a quarter in matrix products.
ENGLISH_TRAIN = TrainConfig(steps=750, batch_size=32, max_lr=4e-3, min_lr=4e-4, warmup_steps=50)

RECIPES: dict[str, dict] = {
    # the Markov language of lmrl_utils.lm.synthetic_language (9 letters, order 3), one token per letter
    "synthetic": {
        "model": GPTConfig(vocab_size=9, block_size=64, d_model=64, n_layers=2, n_heads=4),
        "train": TrainConfig(steps=1000, batch_size=32, max_lr=6e-3, min_lr=6e-4, warmup_steps=50),
        "eval_every": 50,
        "skip": 2,  # positions 0, 1 see 1, 2 letters, less than the source's order 3: left out of the comparison
        "seed": 0,
    },
    # the course's English text (Python's documentation) in Chapter 2's byte-level BPE, trained on the training
    # split; the corpus checksum and the trainer's code are in "tokenizer", the merges' hash joins at load time
    "english": {
        "model": GPTConfig(vocab_size=ENGLISH_VOCAB, block_size=64, d_model=64, n_layers=2, n_heads=4),
        "train": ENGLISH_TRAIN,
        "eval_every": 250,  # 3 evaluations (250, 500, 750): each costs a couple of seconds of the 90 s budget
        "skip": 0,
        "seed": 0,
        "tokenizer": tokenizer_recipe(ENGLISH_VOCAB),
    },
    # the same text one token per character, same blocks and training (steps x batch x block token positions):
    # the baseline of the equal-compute comparison. Its vocabulary is the corpus's distinct characters (counted)
    "english-char": {
        "model": GPTConfig(vocab_size=len(set(english_corpus())), block_size=64, d_model=64, n_layers=2, n_heads=4),
        "train": ENGLISH_TRAIN,
        "eval_every": 100,
        "skip": 0,
        "seed": 0,
        "data": text_sha256(ENGLISH_FILE),
    },
}

Tok = CharTokenizer | Tokenizer


def pretrained_tokenizer(name: str) -> Tok:
    """The tokenizer of model `name`: trained and cached for "english", counted from the text otherwise."""
    if name == "english":
        return english_tokenizer(RECIPES[name]["tokenizer"]["vocab_size"], RECIPES[name]["tokenizer"]["val_fraction"])
    return synthetic_data()[0] if name == "synthetic" else english_data()[0]


def cache_path(name: str, tok: Tok):
    """Where model `name`'s weights live: the recipe's hash, plus the BPE tokenizer's fingerprint."""
    recipe = dict(RECIPES[name])
    if isinstance(tok, Tokenizer):
        recipe["tokenizer_fingerprint"] = tokenizer_fingerprint(tok)
    return cache_dir() / f"gpt-{name}-{recipe_key(recipe)}.pt"


def _build(name: str, tok: Tok) -> dict:
    recipe = RECIPES[name]
    if name == "english":
        train_ids, val_ids = english_bpe_data(tok, recipe["tokenizer"]["val_fraction"])
    else:
        _, train_ids, val_ids = synthetic_data() if name == "synthetic" else english_data()
    lengths = token_bytes(tok)
    assert len(lengths) == recipe["model"].vocab_size, "RECIPES derives the vocabulary from the same data"
    with torch_threads(1):  # one thread: the same weights on every machine, and no slower for a model this small
        torch.manual_seed(recipe["seed"])
        model = GPT(recipe["model"])
        start, cpu = time.perf_counter(), time.process_time()
        history = fit(model, train_ids, val_ids, recipe["train"], seed=recipe["seed"],
                      eval_every=recipe["eval_every"], skip=recipe["skip"],
                      lengths=None if name == "synthetic" else lengths)
        history["train_seconds"] = time.perf_counter() - start
        history["train_cpu_seconds"] = time.process_time() - cpu
    return {"state_dict": model.state_dict(), "history": history}


def pretrained(name: str = "english") -> tuple[GPT, Tok, dict]:
    """The chapter's trained model `name` (a key of RECIPES): (model in eval mode, tokenizer, history).

    "english" reads Chapter 2's BPE tokens (a `Tokenizer`: `encode` gives a list of ids, `decode` takes ids);
    "synthetic" and "english-char" read characters (a `CharTokenizer`). Trains the model (one thread: about a minute
    each, 75 s for BPE on a quiet core) only when the cache has no file for the recipe and tokenizer.
    """
    if name not in RECIPES:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(RECIPES)}")
    tok = pretrained_tokenizer(name)
    saved = load_or_build(cache_path(name, tok), lambda: _build(name, tok))
    model = GPT(RECIPES[name]["model"])
    model.load_state_dict(saved["state_dict"])
    model.eval()
    return model, tok, saved["history"]


if __name__ == "__main__":  # `make book` trains every missing model before the pages run (cells time out at 120 s)
    for name in RECIPES:
        print(f"pretrained({name!r}) ready: {pretrained(name)[2].get('train_seconds', 0.0):.0f} s of training")
