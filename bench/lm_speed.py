"""Speed of Chapter 3's GPT on this machine: training and generation tokens/s, and loss reached against time.

    python bench/lm_speed.py              # the synthetic-language recipe, about 2 minutes
    python bench/lm_speed.py --corpus english --threads 2

Prints training tokens/s, generation tokens/s with and without a KV cache, and the validation loss reached after
30, 60 and 90 s of training (the reference recipe's learning-rate schedule, cut by wall-clock time). Not a test:
numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import time

import torch

from lmrl_utils.lm.data import english_bpe_data, english_data, synthetic_data
from lmrl_utils.lm.decoding import generate
from lmrl_utils.lm.gpt import GPT
from lmrl_utils.lm.kv_cache import generate_cached
from lmrl_utils.lm.pretrained import RECIPES, pretrained_tokenizer
from lmrl_utils.lm.synthetic_language import entropy_rate, make_source
from lmrl_utils.lm.validation import fit


def generation_speed(model: GPT, fn, batch: int = 1, new_tokens: int = 60, repeats: int = 3) -> float:
    prompt = torch.zeros(batch, 4, dtype=torch.long)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(model, prompt, new_tokens, temperature=0)
        best = min(best, time.perf_counter() - start)
    return batch * new_tokens / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=sorted(RECIPES), default="synthetic")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=90.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    recipe = RECIPES[args.corpus]
    if args.corpus == "synthetic":
        _, train_ids, val_ids = synthetic_data()
    elif args.corpus == "english":  # Chapter 2's BPE tokens, as the cached model reads them
        train_ids, val_ids = english_bpe_data(pretrained_tokenizer("english"))
    else:  # english-char: one token per character
        _, train_ids, val_ids = english_data()
    print(f"corpus {args.corpus}, {args.threads} thread(s), {recipe['model']}")

    torch.manual_seed(0)
    model = GPT(recipe["model"])
    history = fit(model, train_ids, val_ids, recipe["train"], seed=recipe["seed"], eval_every=25,
                  skip=recipe["skip"], time_limit=args.seconds)
    steps = len(history["loss"])
    train_time = history["val_time"][-1]
    tokens = steps * recipe["train"].batch_size * recipe["model"].block_size
    print(f"training: {steps} steps in {train_time:.1f} s (evaluations included) = {tokens / train_time:,.0f} tokens/s")
    floor = entropy_rate(make_source()) if args.corpus == "synthetic" else None
    for limit in (30, 60, 90):
        reached = [v for t, v in zip(history["val_time"], history["val_loss"], strict=True) if t <= limit]
        if reached:
            gap = f" ({reached[-1] - floor:+.3f} vs the entropy rate)" if floor is not None else ""
            done = " (training had finished)" if limit > train_time else ""
            print(f"validation loss after {limit:3d} s: {reached[-1]:.3f}{gap}{done}")

    model.eval()
    for batch in (1, 16):
        full = generation_speed(model, generate, batch)
        cached = generation_speed(model, generate_cached, batch)
        print(f"generation, batch {batch:2d}: {full:8,.0f} tokens/s recomputing, "
              f"{cached:8,.0f} tokens/s with a KV cache")


if __name__ == "__main__":
    main()
