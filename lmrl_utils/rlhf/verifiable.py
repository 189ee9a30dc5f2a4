"""A verifiable reward for Chapter 7: a program checks each completion, so no reward model is learned; read top to
bottom: the check, the reward function built on it, the base model's success rate, and cached tuning runs.

The task asks Chapter 3's English model (which continues Python's documentation) for a completion on ONE line that
CONTAINS A FULL STOP: about one completion in ten does that before tuning. The check is deliberately literal: any
"." counts, also one that ends no sentence, which is the loophole the chapter's page shows being found.

Example:
    >>> one_line_with_full_stop(" returns the value. It is"), one_line_with_full_stop(" returns\\n the value.")
    (True, False)
"""

from __future__ import annotations

import hashlib
import inspect
import re
from collections.abc import Callable
from dataclasses import asdict

import torch

from lmrl_utils.cache import cache_dir, load_or_build, recipe_key, torch_threads
from lmrl_utils.lm.pretrained import pretrained
from lmrl_utils.lm.tokenization import Tokenizer
from lmrl_utils.rlhf import data, rlhf, tuning
from lmrl_utils.rlhf.data import completions, sample_completions, sample_prompts
from lmrl_utils.rlhf.tuning import TuneConfig, tune
from lmrl_utils.seeding import torch_generator
from lmrl_utils.workers import run_jobs

N_AUDIT = 200  # completions of the tuned policy kept for the audit
SENTENCE_END = re.compile(r"([A-Za-z]+)\.(?= |$)")  # a word, a full stop, then a space or the end


def one_line_with_full_stop(text: str) -> bool:
    """The check: no newline and at least one "." in the completion (a literal rule, not a judgement)."""
    return "." in text and "\n" not in text


def ends_a_sentence(text: str, words: frozenset[str]) -> bool:
    """What the literal check was meant to ask: one line, and a full stop that ends a dictionary word and is
    followed by a space or the end of the completion (used to audit the check, never as a reward)."""
    return "\n" not in text and any(m.group(1).lower() in words for m in SENTENCE_END.finditer(text))


def checker_reward(tok: Tokenizer, check: Callable[[str], bool] = one_line_with_full_stop
                   ) -> Callable[[torch.Tensor], torch.Tensor]:
    """tokens (B, T) -> (B,) binary reward: 1 where `check` passes the completion's text, else 0."""
    return lambda tokens: torch.tensor([float(check(t)) for t in completions(tok, tokens)])


@torch.no_grad()
def sample_texts(model: torch.nn.Module, tok: Tokenizer, n: int = N_AUDIT, seed: int = 0) -> list[str]:
    """The texts of `n` sampled completions (temperature 1) of held-out prompts, drawn from `seed`."""
    generator = torch_generator(seed)
    with torch_threads(1):
        tokens = sample_completions(model, sample_prompts(n, generator, split="val"), generator)  # (n, T)
    return completions(tok, tokens)


def success_rate(texts: list[str], check: Callable[[str], bool] = one_line_with_full_stop) -> float:
    """The share of texts that pass `check`.

    >>> success_rate(["one.", "two", "three.\\n"])
    0.3333333333333333
    """
    return sum(map(check, texts)) / len(texts)


def _run(config: TuneConfig, seed: int) -> dict:
    """One tuning run against the check: its history, and the texts of the tuned policy's completions of
    `N_AUDIT` held-out prompts (to audit what the check let through)."""
    _, tok, _ = pretrained("english")
    policy, history = tune(checker_reward(tok), config, seed)
    return {"history": history, "texts": sample_texts(policy, tok, N_AUDIT, seed=20_000 + seed)}


def _code_hash() -> str:
    """A short hash of the modules a run depends on: edited training code or an edited check makes new runs."""
    source = "".join(inspect.getsource(m) for m in (rlhf, tuning, data, inspect.getmodule(_run)))
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def checker_runs(configs: dict[str, TuneConfig], seeds: tuple[int, ...],
                 workers: int | None = None) -> dict[str, list[dict]]:
    """{name: [{"history", "texts"} of each seed]} for each tuning config against the check, cached, in up to
    two worker processes of one torch thread each."""
    recipe = {"configs": {k: asdict(v) for k, v in configs.items()}, "seeds": list(seeds), "code": _code_hash(),
              "data": data.RECIPE}

    def build() -> dict:
        jobs = [(cfg, seed) for cfg in configs.values() for seed in seeds]
        it = iter(run_jobs(_run, jobs, workers))
        return {name: [next(it) for _ in seeds] for name in configs}

    return load_or_build(cache_dir() / f"rlhf-verifiable-{recipe_key(recipe)}.pt", build)
