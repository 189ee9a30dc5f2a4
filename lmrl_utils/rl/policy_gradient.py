"""Policy gradients: the reference code of Chapter 6's graded exercises (REINFORCE with a baseline).

Read it top to bottom: returns-to-go, the surrogate loss whose gradient is the REINFORCE estimator, a policy and
a value network, then the training loop. *A policy is anything that returns log-probabilities of the actions it
sampled*: `reinforce_loss` never looks inside the policy, so Chapter 7 reuses it with a language model whose
actions are tokens. Tensors are torch; all randomness comes from a seed (`lmrl_utils.seeding`).

Example:
    policy, history = reinforce("CartPole-v1", ReinforceConfig(target=475.0), seed=0)   # solved in ~30k steps
    G = reward_to_go(torch.tensor([1.0, 1.0, 1.0]), gamma=0.5)             # -> [1.75, 1.5, 1.0]
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import gymnasium
import numpy as np
import torch
from torch import nn

from lmrl_utils.cache import torch_threads
from lmrl_utils.device import get_device
from lmrl_utils.seeding import seed_everything

# The graded items of this module: a graded exercise may use none of them (lmrl_utils.grading.provenance).
GRADED = ("reward_to_go", "reinforce_loss", "CategoricalPolicy", "reinforce_update", "reinforce")


def reward_to_go(rewards: torch.Tensor, gamma: float, dones: torch.Tensor | None = None) -> torch.Tensor:
    """G_t = R_{t+1} + γ G_{t+1}: what follows action A_t, the only part of the return that A_t can change.

    `rewards` has time first, (T,) or (T, N) for N episodes side by side; rewards[t] is R_{t+1}. `dones`
    (same shape, bool) marks the last step of an episode, so concatenated episodes do not leak returns into
    each other: G_t = R_{t+1} + γ (1 - done_t) G_{t+1}. Without `dones` the data is one episode per column.

    >>> reward_to_go(torch.tensor([1.0, 1.0, 1.0]), gamma=0.5).tolist()
    [1.75, 1.5, 1.0]
    >>> reward_to_go(torch.tensor([1.0, 1.0, 1.0]), 0.5, dones=torch.tensor([True, False, True])).tolist()
    [1.0, 1.5, 1.0]
    """
    not_done = torch.ones_like(rewards) if dones is None else 1.0 - dones.to(rewards.dtype)
    G = torch.zeros_like(rewards)
    g = torch.zeros_like(rewards[0])  # (N,) or (): the return after the last reward, nothing more comes
    for t in reversed(range(rewards.shape[0])):
        g = rewards[t] + gamma * not_done[t] * g
        G[t] = g
    return G


def reinforce_loss(log_probs: torch.Tensor, returns: torch.Tensor, baseline: torch.Tensor | float | None = None,
                   n_episodes: int = 1) -> torch.Tensor:
    """The surrogate loss L(θ) = -(1/E) Σ_i (G_i - b_i) ln f(X_i, θ)_{A_i}, whose gradient is minus the
    REINFORCE estimate of ∇ρ(θ) from E episodes (gradient *descent* on L is ascent on ρ).

    `log_probs` (any shape, e.g. (N,) for the N steps of E episodes): ln f(X_i, θ)_{A_i} of the sampled actions,
    with gradients. `returns` (same shape): the weight of each step, G_1 of its episode or its reward-to-go G_i.
    `baseline`: None, a number or a tensor (e.g. v(X_i)). The weights G_i - b_i are detached: they are numbers
    that say how good the step was, so no gradient reaches the returns or the baseline (a learned baseline is
    trained by its own loss). The sum over steps divided by E is the average over episodes of per-episode sums.

    >>> theta = torch.zeros(2, requires_grad=True)                      # a two-armed bandit, π = (1/2, 1/2)
    >>> lp = torch.log_softmax(theta, -1)[torch.tensor([0, 1])]        # arm 0 paid 1, arm 1 paid 0
    >>> reinforce_loss(lp, torch.tensor([1.0, 0.0]), n_episodes=2).backward()
    >>> (-theta.grad).tolist()                                          # estimate of ∇ρ: push towards arm 0
    [0.25, -0.25]
    """
    weights = returns if baseline is None else returns - baseline
    return -(weights.detach() * log_probs).sum() / n_episodes


class Policy(Protocol):
    """What the loop needs of a policy: sample actions for a batch of observations, with their log-probs."""

    def sample(self, obs: torch.Tensor, generator: torch.Generator | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]: ...


class CategoricalPolicy(nn.Module):
    """f(x, θ) = softmax(MLP(x)): a distribution over n_actions discrete actions for each observation x."""

    def __init__(self, obs_dim: int, n_actions: int, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, n_actions))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The logits (B, A) of the action distribution for a batch of observations (B, obs_dim)."""
        return self.net(obs)

    def sample(self, obs: torch.Tensor, generator: torch.Generator | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw A ~ f(x, θ) for each of the B observations (B, obs_dim): actions (B,) and their log-probs (B,).

        >>> policy = CategoricalPolicy(4, 2)
        >>> actions, log_probs = policy.sample(torch.zeros(3, 4), torch.Generator().manual_seed(0))
        >>> actions.shape, log_probs.shape, bool((log_probs <= 0).all())
        (torch.Size([3]), torch.Size([3]), True)
        """
        log_p = torch.log_softmax(self(obs), dim=-1)  # (B, A)
        actions = torch.multinomial(log_p.exp(), 1, generator=generator).squeeze(-1)  # (B,)
        return actions, log_p.gather(-1, actions[:, None]).squeeze(-1)

    def log_prob(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """ln f(x_i, θ)_{a_i} (B,) of given actions (B,): recomputed with gradients for the update."""
        return torch.log_softmax(self(obs), dim=-1).gather(-1, actions[:, None]).squeeze(-1)


class ValueNetwork(nn.Module):
    """v(x; w) ≈ E[G_t | X_t = x], a learned baseline fitted by regression of the returns-to-go on the states."""

    def __init__(self, obs_dim: int, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The predicted return-to-go (B,) of each observation (B, obs_dim).

        >>> ValueNetwork(4)(torch.zeros(5, 4)).shape
        torch.Size([5])
        """
        return self.net(obs).squeeze(-1)


def value_loss(values: torch.Tensor, returns: torch.Tensor) -> torch.Tensor:
    """Mean squared error (1/N) Σ_i (v(X_i) - G_i)²: the regression that fits the baseline to the returns-to-go.

    >>> value_loss(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0])).item()
    2.0
    """
    return ((values - returns.detach()) ** 2).mean()


def normalise(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """(x - mean) / std over the batch: advantages on a fixed scale, so one learning rate fits every stage of
    training. The mean acts as a baseline and the std rescales the step; both come from the batch itself, so
    the estimate is slightly biased: the usual price of a step size that needs no retuning as returns grow.

    >>> normalise(torch.tensor([1.0, 2.0, 3.0])).tolist()
    [-1.0, 0.0, 1.0]
    """
    return (x - x.mean()) / (x.std() + eps)


# ---------------------------------------------------------------- the REINFORCE loop on Gymnasium vector envs


@dataclass(frozen=True)
class ReinforceConfig:
    """The REINFORCE recipe: how many episodes per update, which weights and baseline, how the nets are fitted."""

    n_envs: int = 8  # episodes per update, run side by side in one vector env
    gamma: float = 0.99  # discount of the reward-to-go: less variance from far-off rewards, a little bias
    reward_to_go: bool = True  # weight ln f(X_t)_{A_t} by G_t (True) or by the whole return G_1 (False)
    baseline: str = "value"  # "value" (learned v(X_t)), "running" (average of past weights) or "none"
    beta: float = 0.9  # running baseline ρ̂ <- β ρ̂ + (1 - β) mean weight, updated after each step
    normalise: bool = True  # rescale the batch's advantages to mean 0, std 1
    hidden: int = 64  # width of the one hidden layer of the policy and the value network
    lr: float = 3e-2  # Adam's learning rate for the policy (tuned on CartPole: bench/reinforce_cartpole.py)
    value_lr: float = 1e-2  # Adam's learning rate for the value network
    value_steps: int = 10  # full-batch Adam steps on the value loss per update
    value_scale: float = 100.0  # the value net predicts G / value_scale, so its outputs are of order 1
    max_updates: int = 500  # stop after this many updates at the latest
    max_seconds: float | None = None  # wall-clock cap for benches (the run then depends on the machine's speed)
    target: float | None = None  # stop once a `n_eval`-episode evaluation reaches this mean return
    n_eval: int = 100  # evaluation episodes (run when a batch's mean return reaches `target`)
    device: str = "cpu"  # "auto": lmrl_utils.device.get_device() (small nets are fastest on the CPU)
    n_threads: int | None = 1  # torch threads during the run, restored after (None: leave as is); one is
    #                            fastest for these tiny networks, and far faster than two on a busy machine


def make_envs(env_id: str, n: int) -> gymnasium.vector.VectorEnv:
    """n copies of `env_id` stepped together: numpy-vectorised when the env has a vector entry point."""
    try:
        return gymnasium.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point")
    except (gymnasium.error.Error, ValueError, TypeError):
        return gymnasium.make_vec(env_id, num_envs=n, vectorization_mode="sync")


@torch.no_grad()
def collect_episodes(envs: gymnasium.vector.VectorEnv, policy: Policy, seed: int,
                     generator: torch.Generator, device: torch.device
                     ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """One episode in each of the N envs, stepped together until every one has ended (terminated or
    truncated). Returns observations (T, N, obs_dim), actions (T, N), rewards (T, N) and a mask (T, N) that is
    True up to each episode's last step (later steps of an env that already finished are padding, reward 0)."""
    obs, _ = envs.reset(seed=seed)
    alive = np.ones(envs.num_envs, dtype=bool)
    observations, actions, rewards, masks = [], [], [], []
    while alive.any():
        x = torch.as_tensor(obs, dtype=torch.float32, device=device)  # (N, obs_dim)
        a, _ = policy.sample(x, generator)  # (N,)
        obs, r, terminated, truncated, _ = envs.step(a.cpu().numpy())
        observations.append(x)
        actions.append(a)
        rewards.append(torch.as_tensor(r * alive, dtype=torch.float32, device=device))
        masks.append(torch.as_tensor(alive, device=device))
        alive = alive & ~(terminated | truncated)
    return torch.stack(observations), torch.stack(actions), torch.stack(rewards), torch.stack(masks)


def evaluate(policy: Policy, env_id: str, n_episodes: int, seed: int) -> np.ndarray:
    """The returns (n_episodes,) of the stochastic policy, as it acts in training, from resets seed, seed + 1...

    >>> evaluate(CategoricalPolicy(4, 2), "CartPole-v1", 3, seed=0).shape
    (3,)
    """
    device = next(policy.parameters()).device if isinstance(policy, nn.Module) else torch.device("cpu")
    envs = make_envs(env_id, n_episodes)
    generator = torch.Generator(device).manual_seed(seed)
    _, _, rewards, _ = collect_episodes(envs, policy, seed, generator, device)
    envs.close()
    return rewards.sum(0).cpu().numpy()


def reinforce_update(policy: CategoricalPolicy, value: ValueNetwork, opt_pi: torch.optim.Optimizer,
                     opt_v: torch.optim.Optimizer, batch: tuple[torch.Tensor, ...], config: ReinforceConfig,
                     running: float = 0.0) -> float:
    """One REINFORCE update from a batch of N episodes: weights G_t, advantages G_t - b(X_t), one policy step
    along the estimated ∇ρ, then v refitted to the returns-to-go. Returns the running baseline updated with them.

    `batch` is what `collect_episodes` returns: observations (T, N, obs_dim), actions (T, N), rewards (T, N) and
    the mask (T, N) of valid steps. The baseline is v(X_t) *before* this batch's regression (a baseline fitted
    to the very returns it is subtracted from would bias the estimate), scaled by `config.value_scale`.
    """
    obs, actions, rewards, mask = batch
    # ALGO LOGIC: the weights G_t (or G_1) of the valid steps, flattened to (M,)
    G = reward_to_go(rewards, config.gamma) if config.reward_to_go else rewards.sum(0).expand_as(rewards)
    x, a, G = obs[mask], actions[mask], G[mask]  # (M, obs_dim), (M,), (M,)
    if config.baseline == "value":
        baseline = value(x) * config.value_scale  # (M,) v(X_t); reinforce_loss stops its gradient
    else:
        baseline = {"running": running, "none": None}[config.baseline]
    log_probs = policy.log_prob(x, a)  # (M,), with gradients
    if config.normalise:  # the advantages G - b rescaled to mean 0, std 1 (this subtracts the batch mean too)
        loss = reinforce_loss(log_probs, normalise(G if baseline is None else G - baseline),
                              n_episodes=rewards.shape[1])
    else:
        loss = reinforce_loss(log_probs, G, baseline, n_episodes=rewards.shape[1])
    opt_pi.zero_grad()
    loss.backward()
    opt_pi.step()
    if config.baseline == "value":  # regression of G_t / value_scale on X_t, after the policy step
        for _ in range(config.value_steps):
            opt_v.zero_grad()
            value_loss(value(x), G / config.value_scale).backward()
            opt_v.step()
    return config.beta * running + (1 - config.beta) * G.mean().item()  # after the step: no self-baseline


def reinforce(env_id: str, config: ReinforceConfig, seed: int) -> tuple[CategoricalPolicy, list[dict]]:
    """REINFORCE with a baseline: collect N episodes, update (`reinforce_update`), until solved or out of budget.

    Returns the policy and the history, one dict per update: env steps so far (the episodes' transitions; the
    padding steps of envs that finished early are not counted), the batch's mean return, the wall-clock seconds
    so far, and "eval" (mean return over `n_eval` episodes) when an evaluation ran.

    >>> policy, history = reinforce("CartPole-v1", ReinforceConfig(n_envs=2, max_updates=3), seed=0)
    >>> [h["update"] for h in history], policy(torch.zeros(1, 4)).shape
    ([0, 1, 2], torch.Size([1, 2]))
    """
    with torch_threads(config.n_threads or torch.get_num_threads()):
        # seeding: the one block that fixes every random draw of the run
        rng = seed_everything(seed)
        device = get_device() if config.device == "auto" else torch.device(config.device)
        generator = torch.Generator(device).manual_seed(int(rng.integers(2**31)))
        envs = make_envs(env_id, config.n_envs)
        obs_dim, n_actions = envs.single_observation_space.shape[0], int(envs.single_action_space.n)
        policy = CategoricalPolicy(obs_dim, n_actions, config.hidden).to(device)
        value = ValueNetwork(obs_dim, config.hidden).to(device)
        opt_pi = torch.optim.Adam(policy.parameters(), lr=config.lr)
        opt_v = torch.optim.Adam(value.parameters(), lr=config.value_lr)
        running, history, env_steps, start = 0.0, [], 0, time.perf_counter()
        for update in range(config.max_updates):
            batch = collect_episodes(envs, policy, int(rng.integers(2**31)), generator, device)
            running = reinforce_update(policy, value, opt_pi, opt_v, batch, config, running)
            env_steps += int(batch[3].sum())
            record = {"update": update, "env_steps": env_steps, "mean_return": batch[2].sum(0).mean().item(),
                      "seconds": time.perf_counter() - start}
            history.append(record)
            if config.target is not None and record["mean_return"] >= config.target:
                record["eval"] = float(evaluate(policy, env_id, config.n_eval, int(rng.integers(2**31))).mean())
                record["seconds"] = time.perf_counter() - start
                if record["eval"] >= config.target:
                    break
            if config.max_seconds is not None and record["seconds"] > config.max_seconds:
                break
        envs.close()
    return policy, history
