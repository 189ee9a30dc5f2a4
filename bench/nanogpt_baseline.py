"""The course's English recipe against a nanoGPT-style baseline: same text, same split, same wall-clock, bits per byte.

    python bench/nanogpt_baseline.py                  # 60 s of training each, one thread, ~2.5 min in all
    python bench/nanogpt_baseline.py --seconds 30 --threads 2
    python bench/nanogpt_baseline.py --seconds 20 --repeats 3 --write   # seeds 0, 1, 2; bench/results/*.json

The baseline is nanoGPT's README recipe for a CPU (github.com/karpathy/nanoGPT, `config/train_shakespeare_char.py`
with `--device=cpu --block_size=64 --batch_size=12 --n_layer=4 --n_head=4 --n_embd=128 --max_iters=2000
--lr_decay_iters=2000 --dropout=0.0`): its model (below, minimal: GELU MLP, biased LayerNorms and Linears, tied
head, scaled init of the residual projections), AdamW at lr 1e-3 with beta2 0.99 and weight decay 0.1, 100 warm-up
steps, cosine decay to 1e-4 over 2000 steps, clipping at 1, and its **character-level data prep**
(`data/shakespeare_char/prepare.py`: one token per distinct character). The course's side is
`RECIPES["english"]` of `lmrl_utils.lm.pretrained`: Chapter 2's BPE (trained on the training split), the chapter's
GPT, its training config. Both read the course's English corpus with its training/validation split
(`lmrl_utils.lm.corpus.train_val_split`, the last 10 %).

Fairness: the two train in one process, alternating one optimizer step each, so the machine's load hits both
alike; each stops when the time spent in *its own* steps reaches the budget. Each keeps its recipe's schedule
shape (warm-up share, cosine decay, peak and floor) but stretched over the time budget instead of a step count:
step s of a recipe of S steps is taken at the fraction s / S of the budget, so both finish their decay when the
time is up on any machine, however loaded. Evaluation time is not counted. Each is then scored on the whole
validation text in bits per byte (`evaluate_bpb`). One seed by default; `--repeats N` trains both N times with
seeds seed, seed + 1, ... and reports the medians.
"""

from __future__ import annotations

import argparse
import math
import time

import torch
from record import add_flags, result, row, write
from torch import nn
from torch.nn import functional as F

from lmrl_utils.lm.corpus import english_corpus, train_val_split
from lmrl_utils.lm.data import CharTokenizer, english_bpe_data
from lmrl_utils.lm.gpt import GPT, TrainConfig, lr_at, make_optimizer, sample_batch, train_step
from lmrl_utils.lm.pretrained import RECIPES, pretrained_tokenizer
from lmrl_utils.lm.validation import evaluate_bpb, token_bytes


class NanoBlock(nn.Module):
    """nanoGPT's block: x + attn(ln_1(x)), x + mlp(ln_2(x)), with fused qkv and PyTorch's causal attention."""

    def __init__(self, d: int, n_heads: int, n_layers: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.c_attn, self.c_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        for proj in (self.c_proj, self.mlp[2]):  # nanoGPT: residual projections get std 0.02 / sqrt(2 n_layer)
            proj.scaled_init = 0.02 / math.sqrt(2 * n_layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)  # each (B, T, C)
        q, k, v = (t.view(B, T, self.n_heads, C // self.n_heads).transpose(1, 2) for t in (q, k, v))  # (B, nh, T, hs)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C)
        x = x + self.c_proj(y)
        return x + self.mlp(self.ln_2(x))


class NanoGPT(nn.Module):
    """nanoGPT's GPT with dropout 0: token + position embeddings, blocks, final LayerNorm, tied head."""

    def __init__(self, vocab_size: int, block_size: int = 64, d: int = 128, n_layers: int = 4, n_heads: int = 4):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab_size, d), nn.Embedding(block_size, d)
        self.h = nn.ModuleList([NanoBlock(d, n_heads, n_layers) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, getattr(m, "scaled_init", 0.02))
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)
        self.config = argparse.Namespace(block_size=block_size)  # what sample_batch and evaluate_bpb read

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """idx (B, T) -> logits (B, T, vocab_size)."""
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


NANO_TRAIN = TrainConfig(steps=2000, batch_size=12, max_lr=1e-3, min_lr=1e-4, warmup_steps=100,
                         weight_decay=0.1, max_grad_norm=1.0, beta2=0.99)  # train_shakespeare_char.py + README


class Run:
    """One model's training, advanced one step at a time, with the time spent in its own steps."""

    def __init__(self, name: str, model: nn.Module, train_ids: torch.Tensor, config: TrainConfig, seed: int,
                 budget: float) -> None:
        self.name, self.model, self.train_ids, self.config, self.budget = name, model, train_ids, config, budget
        self.optimizer = make_optimizer(model, config)
        self.generator = torch.Generator().manual_seed(seed)
        self.step, self.seconds, self.losses = 0, 0.0, []

    def advance(self) -> None:
        start = time.perf_counter()
        c = self.config
        at = int(self.seconds / self.budget * c.steps)  # the recipe's step for the share of the budget spent
        lr = lr_at(at, c.max_lr, c.min_lr, c.warmup_steps, c.steps)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        x, y = sample_batch(self.train_ids, self.config.batch_size, self.model.config.block_size, self.generator)
        self.losses.append(train_step(self.model, self.optimizer, x, y, self.config.max_grad_norm))
        self.step += 1
        self.seconds += time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="training wall-clock budget of each model")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    add_flags(parser, repeats=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    scores = [compare(args.seconds, args.threads, args.seed + k) for k in range(args.repeats)]
    nano, course = list(scores[0])  # the run names: the baseline first
    what = f"validation bits per byte after {args.seconds:g} s of training, {args.threads} thread(s): {course}"
    rows = [row(what, "bits/byte", [s[course]["bpb"] for s in scores], nano, [s[nano]["bpb"] for s in scores]),
            row(f"optimizer steps in {args.seconds:g} s: {course}", "steps", [s[course]["steps"] for s in scores],
                nano, [s[nano]["steps"] for s in scores])]
    if args.write:
        write(result("nanogpt_baseline", rows), args.results)


def compare(seconds: float, threads: int, seed: int) -> dict[str, dict]:
    """Train both models for `seconds` each, alternating steps; print and return each one's scores by name."""
    train_text, val_text = train_val_split(english_corpus())

    chars = CharTokenizer(english_corpus())  # nanoGPT's prepare.py: the sorted distinct characters of the text
    torch.manual_seed(seed)
    nano = Run("nanoGPT (chars, 4x128)", NanoGPT(chars.vocab_size), chars.encode(train_text), NANO_TRAIN, seed,
               seconds)
    nano_val, nano_lengths = chars.encode(val_text), token_bytes(chars)

    recipe = RECIPES["english"]
    bpe = pretrained_tokenizer("english")
    bpe_train, bpe_val = english_bpe_data(bpe)
    torch.manual_seed(seed)
    course = Run("course (BPE, 2x64)", GPT(recipe["model"]), bpe_train, recipe["train"], seed, seconds)
    runs = [(nano, nano_val, nano_lengths), (course, bpe_val, token_bytes(bpe))]

    active = [run for run, _, _ in runs]
    while active:
        for run in list(active):
            run.advance()
            if run.seconds >= seconds:
                active.remove(run)
    print(f"budget {seconds:.0f} s of training each, {threads} thread(s), seed {seed}")
    found = {}
    for run, val_ids, lengths in runs:
        scores = evaluate_bpb(run.model, val_ids, lengths)
        n_params = sum(p.numel() for p in run.model.parameters())
        print(f"{run.name:24s} {n_params:9,d} params  {run.step:5d} steps in {run.seconds:5.1f} s  "
              f"val {scores['loss']:.3f} nats/token  {scores['bpb']:.3f} bits/byte  "
              f"({scores['bytes']:,} bytes scored)")
        found[run.name] = {"bpb": float(scores["bpb"]), "steps": run.step}
    return found


if __name__ == "__main__":
    main()
