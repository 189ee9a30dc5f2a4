"""Imitation learning: the reference code of Chapter 5's graded exercises (behaviour cloning and DAgger).

`solutions/05_imitation/imitation.ipynb` holds a copy of each function for students to read;
`tests/test_solution_sync.py` keeps the two equal. The learner is a table of logits θ of shape (S, A): its
policy is f(x, θ) = softmax(θ[x]), a distribution over the A actions in state x. States and actions are integer
arrays; a policy given as probabilities is a numpy (S, A) matrix. All randomness comes from a numpy Generator.

Example:
    env = gymnasium.make("lmrl/Tightrope-v0", slip=0.2)
    expert = expert_policy(env)                                  # lmrl_utils.rl.experts
    states, actions, _ = collect(env, np.eye(3)[expert], 1, np.random.default_rng(0))
    logits = behaviour_cloning(states, actions, 8, 3, BCConfig())
    states, actions, history = dagger(env, expert, states, actions, 600, BCConfig(), np.random.default_rng(1))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lmrl_utils.rl.mdp import TabularMDP, as_policy_matrix, policy_dynamics
from lmrl_utils.rl.rollouts import run_episode

# The graded items of this module: a graded exercise may use none of them (lmrl_utils.grading.provenance).
GRADED = ("collect", "bc_loss", "behaviour_cloning", "imitation_errors", "dagger")


@dataclass(frozen=True)
class BCConfig:
    """How behaviour cloning fits its table of logits: full-batch Adam on the mean NLL, from all-zero logits."""

    n_steps: int = 50  # Adam steps on the whole data set
    lr: float = 0.5  # Adam's learning rate; the logits of a state with one label grow about lr per step


def as_policy(logits: torch.Tensor) -> np.ndarray:
    """The (S, A) numpy matrix of action probabilities softmax(θ[x]) of a (S, A) table of logits.

    >>> as_policy(torch.zeros(2, 4))[0].tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    return torch.softmax(logits.detach().double(), dim=-1).numpy()


def collect(env, policy: np.ndarray, n_episodes: int, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run `n_episodes` episodes of a stochastic policy (S, A) and record every state visited and action taken.

    Actions are drawn from policy[x] with `rng`; each episode's reset is seeded from `rng`. Returns the states
    X_t (N,) and actions A_t (N,) of all episodes one after the other, and each episode's return (n_episodes,).
    Example: the expert's one-hot policy np.eye(3)[expert] collects demonstrations (its actions are the labels).
    """
    n_actions = policy.shape[1]
    states, actions, returns = [], [], []
    for _ in range(n_episodes):
        act = lambda x: int(rng.choice(n_actions, p=policy[x]))  # noqa: E731
        xs, acts, rewards = run_episode(env, act, seed=int(rng.integers(2**31)))
        states += xs
        actions += acts
        returns.append(sum(rewards))
    return np.array(states, dtype=int), np.array(actions, dtype=int), np.array(returns, dtype=float)


def bc_loss(logits: torch.Tensor, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """l_D(θ) = -(1/m) Σ_i ln f(x_i, θ)_{a_i}: the mean negative log-likelihood of the expert's actions.

    `logits` (S, A), `states` and `actions` (m,) integer tensors; returns a scalar. Example: all-zero logits
    give every action probability 1/A, so the loss is ln A whatever the data.
    """
    log_probs = torch.log_softmax(logits[states], dim=-1)  # (m, A): ln f(x_i, θ) for every action
    return -log_probs[torch.arange(len(actions)), actions].mean()


def behaviour_cloning(states: np.ndarray, actions: np.ndarray, n_states: int, n_actions: int,
                      config: BCConfig) -> torch.Tensor:
    """Fit a table of logits (S, A) to expert pairs (x_i, a_i) by minimising bc_loss with full-batch Adam.

    The logits start at zero: a state with no data keeps the uniform policy (its gradient is zero).
    Returns the trained logits, detached.
    """
    logits = torch.zeros(n_states, n_actions, requires_grad=True)
    optimizer = torch.optim.Adam([logits], lr=config.lr)
    x, a = torch.as_tensor(states, dtype=torch.long), torch.as_tensor(actions, dtype=torch.long)
    for _ in range(config.n_steps):
        optimizer.zero_grad()
        bc_loss(logits, x, a).backward()
        optimizer.step()
    return logits.detach()


def imitation_errors(mdp: TabularMDP, policy: np.ndarray, expert: np.ndarray, horizon: int
                     ) -> tuple[float, float]:
    """The learner's rate of disagreeing with the expert, on the expert's states and on its own.

    With d_t^μ the distribution of X_t when μ acts from the start (d_0 = mdp.start, d_{t+1} = d_t P_μ), the
    error under μ is (1/T) Σ_{t<T} Σ_{x not terminal} d_t^μ(x) (1 - π(expert[x] | x)), T = horizon. Returns
    (error under the expert's states, error under the learner's own states): behaviour cloning minimises the
    first, the return depends on the second. `policy` (S, A) probabilities; `expert` (S,) actions.
    """
    p_expert = policy[np.arange(mdp.n_states), expert]  # (S,): π(expert's action | x)
    mistake = np.where(mdp.terminal, 0.0, 1.0 - p_expert)  # (S,): no decision once the episode has ended
    errors = []
    for mu in (as_policy_matrix(expert, mdp.n_actions), policy):
        P_mu, _ = policy_dynamics(mdp, mu)  # (S, S)
        d, total = mdp.start.astype(float), 0.0
        for _ in range(horizon):
            total += d @ mistake
            d = d @ P_mu
        errors.append(total / horizon)
    return errors[0], errors[1]


def dagger(env, expert: np.ndarray, demo_states: np.ndarray, demo_actions: np.ndarray, budget: int,
           config: BCConfig, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, torch.Tensor]]]:
    """DAgger: let the learner drive, ask the expert what it should have done, aggregate, retrain.

    Starts from behaviour cloning on the demonstrations; then, while fewer than `budget` expert labels are used,
    runs one episode of the current learner, labels the states it visited with expert[x] (as many as the
    budget still allows, in order), appends them to the data set and retrains by behaviour cloning on all of
    it. Returns the aggregated states and actions (demonstrations first) and the history [(labels used,
    logits)], one entry per fit.
    """
    n_states, n_actions = env.observation_space.n, env.action_space.n
    states, actions = np.asarray(demo_states, dtype=int), np.asarray(demo_actions, dtype=int)
    logits = behaviour_cloning(states, actions, n_states, n_actions, config)
    history = [(len(states), logits)]
    while len(states) < budget:
        visited, _, _ = collect(env, as_policy(logits), 1, rng)  # the learner drives
        visited = visited[:budget - len(states)]
        states = np.concatenate([states, visited])  # aggregate: keep every earlier label
        actions = np.concatenate([actions, expert[visited]])  # the expert's label, not the learner's action
        logits = behaviour_cloning(states, actions, n_states, n_actions, config)
        history.append((len(states), logits))
    return states, actions, history
