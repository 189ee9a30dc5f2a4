"""Direct preference optimisation (DPO) on the chapter's preference pairs, beside the reward-model + policy-gradient
route on the same pairs, read top to bottom: the closed-form optimum of the KL-regularised objective (checked on
enumerable toys), the DPO training loop, and a cached multi-seed comparison of the two routes.

Example:
    policy, history = train_dpo(DPOConfig(beta=0.1, steps=150), seed=0)
    history[-1]     # {"step": 150, "proxy": ..., "true": ..., "kl": ..., "distinct2": ..., "implicit_accuracy": ...}
"""

from __future__ import annotations

import hashlib
import inspect
from dataclasses import asdict, dataclass

import torch

from lmrl_utils.cache import cache_dir, load_or_build, recipe_key, torch_threads
from lmrl_utils.rlhf import data, reward_models, rlhf, tuning
from lmrl_utils.rlhf.data import PROMPT_LEN, preference_data, sample_prompts
from lmrl_utils.rlhf.reward_models import trained_reward_model
from lmrl_utils.rlhf.rlhf import dpo_loss, sequence_log_probs
from lmrl_utils.rlhf.tuning import EVAL_SEED, TuneConfig, measure, reference_and_policy, tune
from lmrl_utils.seeding import seed_everything, torch_generator
from lmrl_utils.workers import run_jobs


def optimal_policy(ref_probs: torch.Tensor, rewards: torch.Tensor, beta: float) -> torch.Tensor:
    """π*(y|x) = π_ref(y|x) exp(r(x, y)/β) / Z(x): the maximiser of E[r] - β KL(π ‖ π_ref), per prompt row.

    ref_probs, rewards (X, Y): one row per prompt x, one column per response y; returns (X, Y), rows sum to 1.
    >>> optimal_policy(torch.tensor([[0.5, 0.5]]), torch.tensor([[0.0, 1.0]]), beta=1.0).tolist()  # e/(1+e)
    [[0.2689414322376251, 0.7310585975646973]]
    """
    return torch.softmax(ref_probs.log() + rewards / beta, dim=-1)  # softmax divides by Z(x) per row


def regularised_objective(probs: torch.Tensor, ref_probs: torch.Tensor, rewards: torch.Tensor,
                          beta: float) -> torch.Tensor:
    """E_{y~π}[r] - β KL(π ‖ π_ref) of each prompt row (X,): what RLHF and DPO both maximise."""
    kl = (probs * (probs.log() - ref_probs.log())).sum(-1)  # (X,)
    return (probs * rewards).sum(-1) - beta * kl


@dataclass(frozen=True)
class DPOConfig:
    """One DPO run: Adam on the DPO loss over mini-batches of the chapter's 2000 training pairs."""

    beta: float = 0.1  # the KL weight of the objective DPO solves; implicit reward = β ln π_θ/π_ref
    steps: int = 150  # optimizer steps (150 × 64 pairs ≈ 5 passes over 2000 pairs)
    batch_size: int = 64  # preference pairs per step
    lr: float = 5e-4  # Adam's learning rate (the same as the policy-gradient runs)
    evaluate_every: int = 50  # measure every this many steps (and after the last)
    n_eval_prompts: int = 64  # fixed held-out prompts of the measurements, as in `tuning.tune`
    n_threads: int = 1  # torch threads of the run


@torch.no_grad()
def implicit_accuracy(policy: torch.nn.Module, reference: torch.nn.Module, chosen: torch.Tensor,
                      rejected: torch.Tensor) -> float:
    """Share of pairs whose chosen side has the larger implicit reward ln π_θ/π_ref (β > 0 does not change the
    order); ties count as wrong, as for the reward model."""
    def implicit(tokens: torch.Tensor) -> torch.Tensor:  # (N, T) -> (N,)
        return sequence_log_probs(policy, tokens, PROMPT_LEN) - sequence_log_probs(reference, tokens, PROMPT_LEN)

    return float((implicit(chosen) > implicit(rejected)).float().mean())


def train_dpo(config: DPOConfig, seed: int) -> tuple[torch.nn.Module, list[dict]]:
    """DPO from a fresh copy of Chapter 3's English model on `preference_data()`'s training pairs. Returns the
    policy and the measurements of `tuning.measure` (proxy = the trained reward model's score, true r*, KL
    estimate, distinct-2) plus the implicit reward's held-out accuracy, at step 0, every `evaluate_every` steps
    and after the last one. No completion is sampled during training: only the evaluation samples."""
    prefs = preference_data()
    reward_model, _ = trained_reward_model()
    with torch_threads(config.n_threads):
        seed_everything(seed)
        reference, policy, tok = reference_and_policy()  # frozen π_ref (eval mode, no dropout), trainable copy
        optimizer = torch.optim.Adam(policy.parameters(), lr=config.lr)
        chosen, rejected = prefs["chosen"], prefs["rejected"]  # (N, T) each
        with torch.no_grad():  # π_ref never changes: its log-probabilities once, for every pair
            ref_chosen = sequence_log_probs(reference, chosen, PROMPT_LEN)  # (N,)
            ref_rejected = sequence_log_probs(reference, rejected, PROMPT_LEN)  # (N,)
        train_gen, eval_gen = torch_generator(seed), torch_generator(10_000 + seed)
        eval_prompts = sample_prompts(config.n_eval_prompts, torch_generator(EVAL_SEED), split="val")  # as in tune

        def evaluate(step: int) -> dict:
            row = measure(policy, reference, reward_model, tok, eval_prompts, eval_gen)
            acc = implicit_accuracy(policy, reference, prefs["val_chosen"], prefs["val_rejected"])
            return {"step": step, **row, "implicit_accuracy": acc}

        history = [evaluate(0)]
        for step in range(1, config.steps + 1):
            # ALGO LOGIC: a mini-batch of pairs, the DPO loss against the cached reference, one Adam step
            idx = torch.randint(len(chosen), (config.batch_size,), generator=train_gen)  # (b,)
            loss = dpo_loss(sequence_log_probs(policy, chosen[idx], PROMPT_LEN),
                            sequence_log_probs(policy, rejected[idx], PROMPT_LEN),
                            ref_chosen[idx], ref_rejected[idx], config.beta)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step % config.evaluate_every == 0 or step == config.steps:
                history.append({**evaluate(step), "loss": loss.item()})
    return policy, history


def _run(route: str, config: DPOConfig | TuneConfig, seed: int) -> list[dict]:
    """One run's history: "dpo" trains on the pairs, "rm+pg" tunes against the trained reward model."""
    if route == "dpo":
        return train_dpo(config, seed)[1]
    reward_model, _ = trained_reward_model()
    return tune(reward_model, config, seed)[1]


def _code_hash() -> str:
    """A short hash of every module a run's numbers depend on: edited training code makes new runs."""
    source = "".join(inspect.getsource(m) for m in (rlhf, tuning, reward_models, data, inspect.getmodule(_run)))
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def compare_routes(dpo_config: DPOConfig, tune_config: TuneConfig, seeds: tuple[int, ...],
                   workers: int | None = None) -> dict[str, list[list[dict]]]:
    """{"dpo": [history of each seed], "rm+pg": [...]} on the same preference pairs, built once and cached, in
    up to two worker processes of one torch thread each."""
    recipe = {"dpo": asdict(dpo_config), "pg": asdict(tune_config), "seeds": list(seeds), "code": _code_hash(),
              "data": data.RECIPE, "rm": reward_models.RECIPE}

    def build() -> dict:
        preference_data(), trained_reward_model()  # build the shared caches once, before the workers read them
        jobs = [(route, cfg, seed) for route, cfg in (("dpo", dpo_config), ("rm+pg", tune_config)) for seed in seeds]
        it = iter(run_jobs(_run, jobs, workers))
        return {route: [next(it) for _ in seeds] for route in ("dpo", "rm+pg")}

    return load_or_build(cache_dir() / f"rlhf-dpo-vs-pg-{recipe_key(recipe)}.pt", build)
