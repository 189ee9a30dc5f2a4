"""PPO's clipped objective and a small PPO loop (Chapter 6), written so Chapter 7 reuses the loss with a language
model as the policy: `ppo_clip_loss` sees only log-probabilities of sampled actions, never the policy itself.

REINFORCE takes one gradient step per batch of episodes, then throws the batch away. PPO (Schulman et al. 2017)
takes several steps on the same batch and stops each sample from pulling the policy far from the one that
collected it: the probability ratio r = f(X, θ)_A / f(X, θ_old)_A is clipped to [1 - ε, 1 + ε].

Example:
    policy, history = ppo("CartPole-v1", PPOConfig(max_updates=40), seed=0)
    [h["clip_fraction"] for h in history]   # the share of samples whose ratio left [1 - ε, 1 + ε]
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch

from lmrl_utils.rl.policy_gradient import (
    CategoricalPolicy,
    ValueNetwork,
    collect_episodes,
    make_envs,
    normalise,
    reward_to_go,
    value_loss,
)
from lmrl_utils.seeding import seed_everything


def ppo_clip_loss(log_probs: torch.Tensor, old_log_probs: torch.Tensor, advantages: torch.Tensor,
                  clip: float = 0.2) -> torch.Tensor:
    """L(θ) = -mean_i min(r_i Â_i, clip(r_i, 1-ε, 1+ε) Â_i), r_i = exp(ln f_θ - ln f_old): a step that would
    move a sample's ratio beyond 1 ± ε in the direction its advantage asks for earns nothing more.

    All arguments have one shape, e.g. (B,) for B sampled actions (or tokens). `old_log_probs` and `advantages`
    are constants (detached here). At θ = θ_old the gradient is the REINFORCE gradient (r = 1, no clipping);
    `clip=math.inf` turns clipping off (the importance-weighted policy gradient, reused for several steps).

    >>> lp = torch.log(torch.tensor([0.5, 0.5], requires_grad=True))
    >>> ppo_clip_loss(lp, lp.detach(), torch.tensor([1.0, -1.0])).item()     # r = 1: -(1 - 1) / 2
    -0.0
    >>> ppo_clip_loss(torch.log(torch.tensor([0.9])), torch.log(torch.tensor([0.5])), torch.tensor([1.0])).item()
    -1.2000000476837158
    """
    ratio = torch.exp(log_probs - old_log_probs.detach())  # (B,)
    advantages = advantages.detach()
    clipped = ratio.clamp(1.0 - clip, 1.0 + clip) if math.isfinite(clip) else ratio
    return -torch.min(ratio * advantages, clipped * advantages).mean()


@dataclass(frozen=True)
class PPOConfig:
    """The PPO recipe: REINFORCE's batches of whole episodes and value baseline, then several clipped epochs."""

    n_envs: int = 8  # episodes per batch, run side by side in one vector env
    gamma: float = 0.99  # discount of the reward-to-go
    clip: float = 0.2  # ε: ratios are clipped to [1 - ε, 1 + ε]; math.inf turns clipping off
    epochs: int = 4  # passes over each batch
    minibatches: int = 4  # gradient steps per pass (the batch's steps shuffled and split)
    lr: float = 3e-3  # Adam's learning rate for the policy
    value_lr: float = 1e-2  # Adam's learning rate for the value network
    value_steps: int = 10  # full-batch Adam steps on the value loss per batch
    value_scale: float = 100.0  # the value net predicts G / value_scale, so its outputs are of order 1
    hidden: int = 64  # width of the one hidden layer of the policy and the value network
    max_updates: int = 100  # batches collected, at most
    n_threads: int | None = 1  # torch threads during the run, restored after (one is fastest for tiny nets)


def ppo(env_id: str, config: PPOConfig, seed: int) -> tuple[CategoricalPolicy, list[dict]]:
    """PPO with whole-episode batches: collect N episodes, advantages G_t - v(X_t) normalised, then `epochs`
    passes of clipped minibatch steps, then refit v. History as `reinforce`'s, plus "clip_fraction" (the share
    of sample-steps whose ratio was outside [1 - ε, 1 + ε]) and "kl" (mean ln f_old - ln f_new after the epochs).

    >>> policy, history = ppo("CartPole-v1", PPOConfig(n_envs=2, max_updates=2), seed=0)
    >>> [h["update"] for h in history], sorted(history[0])[:3]
    ([0, 1], ['clip_fraction', 'env_steps', 'kl'])
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(config.n_threads or threads)
    try:
        return _ppo(env_id, config, seed)
    finally:
        torch.set_num_threads(threads)


def _ppo(env_id: str, config: PPOConfig, seed: int) -> tuple[CategoricalPolicy, list[dict]]:
    """The loop of `ppo`, with the thread count already set."""
    rng = seed_everything(seed)  # seeding: every draw of the run follows from `seed`
    device = torch.device("cpu")
    generator = torch.Generator(device).manual_seed(int(rng.integers(2**31)))
    envs = make_envs(env_id, config.n_envs)
    obs_dim, n_actions = envs.single_observation_space.shape[0], int(envs.single_action_space.n)
    policy = CategoricalPolicy(obs_dim, n_actions, config.hidden)
    value = ValueNetwork(obs_dim, config.hidden)
    opt_pi = torch.optim.Adam(policy.parameters(), lr=config.lr)
    opt_v = torch.optim.Adam(value.parameters(), lr=config.value_lr)
    history, env_steps, start = [], 0, time.perf_counter()
    for update in range(config.max_updates):
        obs, actions, rewards, mask = collect_episodes(envs, policy, int(rng.integers(2**31)), generator, device)
        G = reward_to_go(rewards, config.gamma)  # (T, N)
        x, a, G = obs[mask], actions[mask], G[mask]  # (M, obs_dim), (M,), (M,)
        with torch.no_grad():
            old_log_probs = policy.log_prob(x, a)  # (M,): the policy that collected the batch
            advantages = normalise(G - value(x) * config.value_scale)  # (M,)
        # ALGO LOGIC: several clipped passes over the same batch
        n_clipped = 0
        for _ in range(config.epochs):
            order = torch.randperm(len(a), generator=generator)
            for idx in order.chunk(config.minibatches):
                log_probs = policy.log_prob(x[idx], a[idx])
                loss = ppo_clip_loss(log_probs, old_log_probs[idx], advantages[idx], config.clip)
                opt_pi.zero_grad()
                loss.backward()
                opt_pi.step()
                n_clipped += int(((log_probs - old_log_probs[idx]).exp() - 1).abs().gt(config.clip).sum())
        with torch.no_grad():
            kl = float((old_log_probs - policy.log_prob(x, a)).mean())
        for _ in range(config.value_steps):
            opt_v.zero_grad()
            value_loss(value(x), G / config.value_scale).backward()
            opt_v.step()
        env_steps += int(mask.sum())
        history.append({"update": update, "env_steps": env_steps, "mean_return": rewards.sum(0).mean().item(),
                        "seconds": time.perf_counter() - start, "kl": kl,
                        "clip_fraction": n_clipped / (config.epochs * len(a))})
    envs.close()
    return policy, history
