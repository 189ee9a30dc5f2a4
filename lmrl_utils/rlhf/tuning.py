"""The RLHF loop of Chapter 7: repeated `rlhf_update` steps from a fresh copy of π_ref, with the measurements the
chapter's pages plot (proxy reward, true reward r*, KL from the reference, diversity), read top to bottom.

Example:
    reward_model, _ = trained_reward_model()
    policy, history = tune(reward_model, TuneConfig(beta=0.1, updates=40), seed=0)
    history[-1]        # {"update": 40, "proxy": ..., "true": ..., "kl": ..., "distinct2": ...}
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import torch

from lmrl_utils.cache import torch_threads
from lmrl_utils.lm.decoding import generate
from lmrl_utils.lm.pretrained import pretrained
from lmrl_utils.lm.tokenization import Tokenizer
from lmrl_utils.rlhf.data import COMPLETION_LEN, PROMPT_LEN, completions, labeller, sample_prompts, true_reward_fn
from lmrl_utils.rlhf.rlhf import rlhf_update, sequence_log_probs
from lmrl_utils.seeding import seed_everything, torch_generator

EVAL_SEED = 12345  # the evaluation prompts' seed: every run is measured on the same held-out prompts
RewardFn = Callable[[torch.Tensor], torch.Tensor]  # tokens (B, T) -> scores (B,)


@dataclass(frozen=True)
class TuneConfig:
    """One RLHF run: K samples of P prompts per update, Adam, β the weight of the KL penalty."""

    beta: float = 0.1  # weight of the per-sequence log-ratio penalty; 0 maximises the reward alone
    updates: int = 60  # policy-gradient steps
    n_prompts: int = 16  # prompts per update (drawn afresh from the training text)
    n_samples: int = 4  # completions per prompt: the leave-one-out baseline uses the other K - 1
    lr: float = 5e-4  # Adam's learning rate
    evaluate_every: int = 10  # measure every this many updates (and after the last)
    n_eval_prompts: int = 64  # fixed held-out prompts of the measurements, two samples each
    n_threads: int = 1  # torch threads of the run (one is fastest at this size, and deterministic)


def distinct_n(texts: list[str], n: int = 2) -> float:
    """Distinct word n-grams / all word n-grams over a set of texts: 1 is all different, near 0 is repetition.

    >>> distinct_n(["a b a b", "a b c"], n=2)
    0.6
    """
    grams = [tuple(words[i:i + n]) for t in texts for words in [t.split()] for i in range(len(words) - n + 1)]
    return len(set(grams)) / max(len(grams), 1)


@torch.no_grad()
def measure(policy: torch.nn.Module, reference: torch.nn.Module, reward_fn: RewardFn, tok: Tokenizer,
            prompts: torch.Tensor, generator: torch.Generator) -> dict[str, float]:
    """The policy's proxy reward, true reward r*, KL estimate (mean ln π_θ/π_ref of its own samples) and
    distinct-2 on two fresh samples of each evaluation prompt."""
    tokens = generate(policy, prompts.repeat_interleave(2, 0), COMPLETION_LEN, generator=generator)  # (2E, T)
    kl = sequence_log_probs(policy, tokens, PROMPT_LEN) - sequence_log_probs(reference, tokens, PROMPT_LEN)
    texts = completions(tok, tokens)
    return {"proxy": reward_fn(tokens).mean().item(), "true": labeller().reward(texts).mean().item(),
            "kl": kl.mean().item(), "distinct2": distinct_n(texts, 2)}


def reference_and_policy() -> tuple[torch.nn.Module, torch.nn.Module, Tokenizer]:
    """(π_ref, π_θ, tokenizer): Chapter 3's English model frozen (eval mode, never stepped) and a trainable copy."""
    reference, tok, _ = pretrained("english")
    for p in reference.parameters():
        p.requires_grad_(False)
    policy = copy.deepcopy(reference)
    for p in policy.parameters():
        p.requires_grad_(True)
    return reference, policy, tok


def tune(reward_fn: RewardFn, config: TuneConfig, seed: int) -> tuple[torch.nn.Module, list[dict]]:
    """RLHF from a fresh copy of Chapter 3's English model against `reward_fn` (a reward model, r* itself or a
    program that checks), with the KL penalty β to the frozen model. Returns the tuned policy and the
    measurements taken at update 0, every `evaluate_every` updates and after the last one."""
    with torch_threads(config.n_threads):
        seed_everything(seed)  # seeding: every draw of the run follows from `seed`
        reference, policy, tok = reference_and_policy()
        optimizer = torch.optim.Adam(policy.parameters(), lr=config.lr)
        train_gen, eval_gen = torch_generator(seed), torch_generator(10_000 + seed)
        eval_prompts = sample_prompts(config.n_eval_prompts, torch_generator(EVAL_SEED), split="val")
        history = [{"update": 0, **measure(policy, reference, reward_fn, tok, eval_prompts, eval_gen)}]
        for update in range(1, config.updates + 1):
            # ALGO LOGIC: sample, score, penalise, leave-one-out baseline, one REINFORCE step
            prompts = sample_prompts(config.n_prompts, train_gen)
            stats = rlhf_update(policy, reference, reward_fn, optimizer, prompts, config.n_samples, COMPLETION_LEN,
                                config.beta, generator=train_gen)
            if update % config.evaluate_every == 0 or update == config.updates:
                row = measure(policy, reference, reward_fn, tok, eval_prompts, eval_gen)
                history.append({"update": update, **row, "train_reward": stats["reward"]})
        policy.eval()
    return policy, history


def true_reward() -> RewardFn:
    """r* of the simulated annotator as a reward function (for tuning on the ground truth itself)."""
    _, tok, _ = pretrained("english")
    return true_reward_fn(labeller(), tok)
