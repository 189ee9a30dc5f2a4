"""Which BPE vocabulary for Chapter 3's English model? Held-out bits per byte at the recipe's fixed training budget.

    python bench/bpe_vocab.py                    # 256 + {256, 512, 1024, 1536} merges and characters, ~6 min
    python bench/bpe_vocab.py --merges 512 1024  # a subset

For each vocabulary: Chapter 2's BPE trained on the English training split, then the `pretrained("english")` model
shape and training config (same steps, batch, block: the same number of token positions, one thread), scored on
the whole validation text in bits per byte (`lmrl_utils.lm.validation.evaluate_bpb`). Appends one row per run to
`bench/bpe_vocab.csv`; the recipe comment in `lmrl_utils/lm/pretrained.py` cites the result. Not a test: seconds
depend on the machine and its load, and each number is one seed.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import time
from pathlib import Path

import torch

from lmrl_utils.lm.data import english_bpe_data, english_data, english_tokenizer
from lmrl_utils.lm.gpt import GPT
from lmrl_utils.lm.pretrained import RECIPES
from lmrl_utils.lm.validation import evaluate_bpb, fit, token_bytes

OUT = Path(__file__).resolve().parent / "bpe_vocab.csv"


def run(merges: int | None) -> dict:
    """Train the recipe on `merges` BPE merges (None: characters) and score it on the validation text."""
    recipe = RECIPES["english"]
    start = time.perf_counter()
    if merges is None:
        tok, train_ids, val_ids = english_data()
    else:
        tok = english_tokenizer(256 + merges)
        train_ids, val_ids = english_bpe_data(tok)
    lengths = token_bytes(tok)
    config = dataclasses.replace(recipe["model"], vocab_size=len(lengths))
    torch.manual_seed(recipe["seed"])
    model = GPT(config)
    cpu = time.process_time()
    fit(model, train_ids, val_ids, recipe["train"], seed=recipe["seed"], eval_every=recipe["train"].steps)
    cpu = time.process_time() - cpu
    scores = evaluate_bpb(model, val_ids, lengths)
    return {"vocab": "chars" if merges is None else 256 + merges, "train_tokens": len(train_ids),
            "bytes_per_token": round(scores["bytes"] / scores["tokens"], 3), "val_loss": round(scores["loss"], 4),
            "val_bpb": round(scores["bpb"], 4), "wall_s": round(time.perf_counter() - start, 1),
            "cpu_s": round(cpu, 1), "steps": recipe["train"].steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merges", type=int, nargs="*", default=[256, 512, 1024, 1536])
    parser.add_argument("--no-chars", action="store_true", help="skip the character-level row")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as pretrained() trains
    runs = [*args.merges, *([] if args.no_chars else [None])]
    new = not OUT.exists()
    with OUT.open("a", newline="") as f:
        writer = None
        for merges in runs:
            row = run(merges)
            print(row, flush=True)
            if writer is None:
                writer = csv.DictWriter(f, fieldnames=list(row))
                if new:
                    writer.writeheader()
            writer.writerow(row)
            f.flush()


if __name__ == "__main__":
    main()
