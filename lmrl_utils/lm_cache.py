"""The chapter's two trained models, cached on disk so every page (and the RLHF chapter) shares one training run.

Weights are made by this code, never downloaded. They live in `$LMRL_CACHE` (default `~/.cache/lmrl`), in a
file whose name hashes the whole recipe (model config, training config, data, seed, code version), so changing
any of them trains a new model instead of loading a stale one. Files are written to a temporary name and then
`os.replace`d, which is atomic: two test workers training at once each write a complete file and the last
one wins; nobody ever reads half a file. Training is seeded and single-threaded, so a missing file is rebuilt
to the same weights.

Example:
    >>> model, tok, history = pretrained("synthetic")   # ~1 min the first time, instant afterwards
    >>> tok.decode(model(tok.encode("abc")[None])[0, -1].argmax()[None])  # the likeliest next letter
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import torch

from lmrl_utils.data import ENGLISH_FILE, english_corpus, text_sha256
from lmrl_utils.lm import GPT, GPTConfig, TrainConfig, train
from lmrl_utils.lm_data import CharTokenizer, english_data, evaluate, synthetic_data

CACHE_VERSION = 1  # bump when the training code changes in a way that changes the weights

RECIPES: dict[str, dict] = {
    # the Markov language of lmrl_utils.synthetic_language (9 letters, order 3)
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


def cache_dir() -> Path:
    """`$LMRL_CACHE`, or `~/.cache/lmrl`; created if missing."""
    path = Path(os.environ.get("LMRL_CACHE") or Path.home() / ".cache" / "lmrl").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def recipe_key(recipe: dict) -> str:
    """A short hash of everything that determines the trained weights. Example: 'synthetic-3f2a9c0e1b7d4a65'."""
    parts = {k: dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v for k, v in recipe.items()}
    parts["cache_version"] = CACHE_VERSION
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def atomic_save(obj: object, path: Path) -> None:
    """torch.save to a temporary file in the same folder, then rename it over `path` (atomic on POSIX)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_or_build(path: Path, build: Callable[[], dict]) -> dict:
    """The dict saved at `path`, or `build()` saved there first (a corrupt or foreign file is rebuilt)."""
    if path.exists():
        try:
            return torch.load(path, weights_only=False)
        except Exception:  # noqa: BLE001 - a truncated file from an older, non-atomic writer: rebuild it
            pass
    obj = build()
    atomic_save(obj, path)
    return obj


@contextmanager
def torch_threads(n: int):
    """Run a block with `n` intra-op threads, then restore the previous setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def fit(
    model: GPT,
    train_ids: torch.Tensor,
    val_ids: torch.Tensor,
    config: TrainConfig,
    seed: int = 0,
    eval_every: int = 50,
    skip: int = 0,
    time_limit: float | None = None,
    patience: int | None = None,
    progress: bool = False,
) -> dict[str, list]:
    """`lm.train` plus a validation curve: evaluates every `eval_every` steps, stops at `time_limit` seconds or
    after `patience` evaluations without a new best validation loss (early stopping; the best weights are kept).

    Returns {"loss": per-step training losses, "val_step", "val_loss", "val_time": the validation curve}.
    """
    history: dict[str, list] = {"loss": [], "val_step": [], "val_loss": [], "val_time": []}
    start = time.perf_counter()
    best = {"loss": float("inf"), "state": None, "since": 0}

    def callback(step: int, loss: float) -> bool:
        history["loss"].append(loss)
        last = step + 1 == config.steps
        out_of_time = time_limit is not None and time.perf_counter() - start > time_limit
        if (step + 1) % eval_every and not last and not out_of_time:
            return False
        elapsed = time.perf_counter() - start
        val = evaluate(model, val_ids, skip=skip)
        history["val_step"].append(step + 1)
        history["val_loss"].append(val)
        history["val_time"].append(elapsed)
        if val < best["loss"]:
            best.update(loss=val, state={k: v.clone() for k, v in model.state_dict().items()}, since=0)
        else:
            best["since"] += 1
        stop = patience is not None and best["since"] >= patience
        if stop and best["state"] is not None:
            model.load_state_dict(best["state"])
        return stop or out_of_time

    train(model, train_ids, config, torch.Generator().manual_seed(seed), callback=callback, progress=progress)
    return history


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
