"""Chapter 7's data: prompts cut from the course's text, completions of Chapter 3's model, and a cached set of
preference pairs labelled by the simulated annotator of `lmrl_utils.rlhf.preferences`.

The policy to tune is the English model of Chapter 3 (`pretrained("english")`, Chapter 2's BPE), frozen copies of
it are the reference π_ref and the reward model's starting trunk. A prompt is `PROMPT_LEN` consecutive tokens of
the training text; a completion is `COMPLETION_LEN` sampled tokens, so every sequence is PROMPT_LEN +
COMPLETION_LEN tokens long and batches need no padding.

Example:
    data = preference_data()                       # cached: the first call samples and labels (~15 s)
    data["chosen"].shape                           # (2000, 24): prompt + preferred completion of each pair
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import torch

from lmrl_utils.cache import cache_dir, load_or_build, recipe_key, torch_threads
from lmrl_utils.lm.data import english_bpe_data
from lmrl_utils.lm.kv_cache import generate_cached
from lmrl_utils.lm.pretrained import cache_path, pretrained, pretrained_tokenizer
from lmrl_utils.lm.tokenization import Tokenizer
from lmrl_utils.rlhf.preferences import Labeller, noise_ceiling
from lmrl_utils.seeding import torch_generator

PROMPT_LEN = 8  # tokens of text the policy continues (about 25 characters)
COMPLETION_LEN = 16  # tokens the policy writes: its actions, one episode


@functools.cache
def _token_ids(split: str) -> torch.Tensor:
    """The English text's BPE ids of one split, encoded once per process (encoding takes about a second)."""
    train_ids, val_ids = english_bpe_data(pretrained_tokenizer("english"))
    return {"train": train_ids, "val": val_ids}[split]


def sample_prompts(n: int, generator: torch.Generator, split: str = "train") -> torch.Tensor:
    """n prompts (n, PROMPT_LEN): windows of the English text's BPE tokens ("train" or "val" split)."""
    ids = _token_ids(split)
    starts = torch.randint(len(ids) - PROMPT_LEN, (n,), generator=generator)
    return ids[starts[:, None] + torch.arange(PROMPT_LEN)]  # (n, PROMPT_LEN)


def completions(tok: Tokenizer, tokens: torch.Tensor, prompt_len: int = PROMPT_LEN) -> list[str]:
    """The text of each row's completion (the tokens after the prompt)."""
    return [tok.decode(row[prompt_len:].tolist()) for row in tokens]


def true_reward_fn(labeller: Labeller, tok: Tokenizer,
                   prompt_len: int = PROMPT_LEN) -> Callable[[torch.Tensor], torch.Tensor]:
    """tokens (B, T) -> r* of each completion (B,): the hidden ground truth as a reward function."""
    return lambda tokens: labeller.reward(completions(tok, tokens, prompt_len))


def sample_completions(model: torch.nn.Module, prompts: torch.Tensor, generator: torch.Generator,
                       batch_size: int = 500) -> torch.Tensor:
    """One sampled completion of each prompt (temperature 1, KV cache): (n, PROMPT_LEN + COMPLETION_LEN)."""
    out = [generate_cached(model, chunk, COMPLETION_LEN, generator=generator) for chunk in prompts.split(batch_size)]
    return torch.cat(out)


RECIPE = {"n_train": 2000, "n_val": 500, "seed": 7, "labeller": {"min_count": 5, "repeat_penalty": 1.0,
                                                                "symbol_penalty": 0.5, "temperature": 1.0}}


def labeller() -> Labeller:
    """The chapter's simulated annotator, with the settings of RECIPE."""
    return Labeller.from_corpus(**RECIPE["labeller"])


def _build() -> dict:
    model, tok, _ = pretrained("english")
    judge = labeller()
    generator = torch_generator(RECIPE["seed"])
    rng = np.random.default_rng(RECIPE["seed"])
    out = {}
    with torch_threads(1):  # one thread: the same samples on every machine
        for split, n in (("train", RECIPE["n_train"]), ("val", RECIPE["n_val"])):
            prompts = sample_prompts(n, generator, split)
            a, b = sample_completions(model, prompts, generator), sample_completions(model, prompts, generator)
            ra, rb = judge.reward(completions(tok, a)), judge.reward(completions(tok, b))
            a_wins = judge.compare(ra, rb, rng)  # (n,) the noisy human's choice
            prefix = "" if split == "train" else "val_"
            out[prefix + "chosen"] = torch.where(a_wins[:, None], a, b)  # (n, T)
            out[prefix + "rejected"] = torch.where(a_wins[:, None], b, a)
            out[prefix + "true_chosen"] = torch.where(a_wins, ra, rb)  # (n,) r* of each side, for checking only
            out[prefix + "true_rejected"] = torch.where(a_wins, rb, ra)
    out["ceiling"] = noise_ceiling(judge, out["val_true_chosen"], out["val_true_rejected"])
    return out


def preference_data() -> dict[str, torch.Tensor | float]:
    """The chapter's preference pairs, sampled from the reference model and labelled by `labeller()`; cached.

    Keys: "chosen", "rejected" (2000, T) token ids of prompt + completion; "true_chosen", "true_rejected" (2000,)
    their hidden r*; the same with "val_" for 500 held-out pairs from the validation text; "ceiling", the
    expected accuracy of r* itself on the held-out pairs (no reward model can beat it on average).
    """
    model_file = cache_path("english", pretrained_tokenizer("english")).name  # retrained model: new samples
    recipe = {**RECIPE, "model": model_file, "prompt_len": PROMPT_LEN, "completion_len": COMPLETION_LEN}
    return load_or_build(cache_dir() / f"rlhf-preferences-{recipe_key(recipe)}.pt", _build)
