"""Tabular planning and learning: the reference code of Chapter 4's graded exercises.

`solutions/04_mdp/mdp.ipynb` holds a copy of each function for students to read; `tests/test_solution_sync.py`
keeps the two equal. Values are numpy arrays: v has shape (S,), q (S, A), a stochastic policy pi (S, A), a
deterministic one (S,). All randomness comes in as a seed; environments are seeded through `env.reset(seed=...)`.

Example:
    mdp = from_gym_env(gymnasium.make("lmrl/GridWorld-v0", step_reward=-0.1), gamma=1.0)
    v, policy = value_iteration(mdp)      # v[start] = 0.5: five moves cost 0.5, the +1 square pays 1
    Q = q_learning(gymnasium.make("FrozenLake-v1", is_slippery=False), QLearningConfig(300, alpha=0.5), seed=0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lmrl_utils.rl.mdp import TabularMDP

# The graded items of this module: a graded exercise may use none of them (lmrl_utils.grading.provenance).
GRADED = (
    "discounted_returns",
    "q_from_v",
    "policy_evaluation",
    "greedy_policy",
    "policy_iteration",
    "value_iteration",
    "epsilon_greedy",
    "q_learning",
    "td0_evaluation",
)


def discounted_returns(rewards: np.ndarray, gamma: float) -> np.ndarray:
    """G_t = Σ_k γ^k rewards[t + k] for every t, where rewards[t] is R_{t+1}, the reward after action A_t.

    Computed backwards with G_t = R_{t+1} + γ G_{t+1}. Example: discounted_returns([1, 1, 1], 0.5) ->
    [1.75, 1.5, 1.0].
    """
    G = np.zeros(len(rewards))
    g = 0.0  # the return after the last reward: nothing more comes
    for t in reversed(range(len(rewards))):
        g = rewards[t] + gamma * g
        G[t] = g
    return G


def q_from_v(mdp: TabularMDP, v: np.ndarray) -> np.ndarray:
    """One-step lookahead q(s, a) = r(s, a) + γ Σ_s' p(s' | s, a) v(s'): (S,) values -> (S, A) values."""
    return mdp.R + mdp.gamma * np.einsum("sat,t->sa", mdp.P, v)  # sum over the next state s' (index t)


def policy_evaluation(
    mdp: TabularMDP, pi: np.ndarray, tol: float = 1e-10, max_sweeps: int = 100_000
) -> np.ndarray:
    """v_π by repeated Bellman expectation backups v(s) <- Σ_a π(a|s) q(s, a), from v = 0, until the largest
    change of a sweep is below `tol`. `pi` is a (S, A) matrix of action probabilities; returns (S,)."""
    v = np.zeros(mdp.n_states)
    for _ in range(max_sweeps):
        v_new = (pi * q_from_v(mdp, v)).sum(axis=1)  # (S,): expectation over the policy's actions
        v_new[mdp.terminal] = 0.0  # a terminal state has no future: its value is 0 by definition
        if np.max(np.abs(v_new - v)) < tol:
            return v_new
        v = v_new
    raise RuntimeError(f"policy evaluation did not converge in {max_sweeps} sweeps (is the policy proper?)")


def greedy_policy(q: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """argmax_a q(s, a) for every state; actions within `tol` of the best count as tied, and a tie goes to
    the lowest action index. Example: greedy_policy(np.array([[0., 1., 1.]])) -> array([1])."""
    is_best = q >= q.max(axis=1, keepdims=True) - tol  # (S, A) booleans: the tied best actions
    return np.argmax(is_best, axis=1)  # argmax of booleans: the first True, i.e. the lowest tied index


def policy_iteration(mdp: TabularMDP, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Alternate policy evaluation and greedy improvement, from the uniform random policy, until the greedy
    policy no longer changes. The start is proper (it ends with probability 1) whenever any policy is, so its
    evaluation is defined even with γ = 1. Returns (v (S,), policy (S,) ints)."""
    pi = np.full((mdp.n_states, mdp.n_actions), 1.0 / mdp.n_actions)  # (S, A): the uniform random policy
    while True:
        v = policy_evaluation(mdp, pi, tol)
        policy = greedy_policy(q_from_v(mdp, v))
        if np.array_equal(np.eye(mdp.n_actions)[policy], pi):  # stable: v satisfies the Bellman optimality eq.
            return v, policy
        pi = np.eye(mdp.n_actions)[policy]  # one-hot rows: the improved, deterministic policy


def value_iteration(
    mdp: TabularMDP, tol: float = 1e-10, max_sweeps: int = 100_000
) -> tuple[np.ndarray, np.ndarray]:
    """Bellman optimality backups v(s) <- max_a q(s, a) from v = 0 until a sweep changes v by less than `tol`;
    then the greedy policy of the final values (ties to the lowest action). Returns (v (S,), policy (S,))."""
    v = np.zeros(mdp.n_states)
    for _ in range(max_sweeps):
        v_new = q_from_v(mdp, v).max(axis=1)  # (S,): the best action's value in every state
        v_new[mdp.terminal] = 0.0
        if np.max(np.abs(v_new - v)) < tol:
            break
        v = v_new
    return v_new, greedy_policy(q_from_v(mdp, v_new))


@dataclass(frozen=True)
class QLearningConfig:
    """Hyper-parameters of tabular Q-learning (and SARSA) with a linearly decaying ε."""

    n_episodes: int = 1000  # training episodes
    alpha: float = 0.1  # learning rate (step size) α of every update
    gamma: float = 0.99  # discount factor γ of the targets
    epsilon_start: float = 1.0  # ε of the first episode: 1 = act uniformly at random
    epsilon_end: float = 0.05  # ε once the decay is over
    decay_episodes: int = 500  # ε falls linearly from epsilon_start to epsilon_end over this many episodes
    q_init: float = 0.0  # initial Q(s, a) of every pair; > 0 is "optimistic" and drives exploration

    def epsilon(self, episode: int) -> float:
        """ε for episode number `episode` (counting from 0). Example: episode 0 -> epsilon_start."""
        frac = min(episode / max(self.decay_episodes, 1), 1.0)
        return self.epsilon_start + frac * (self.epsilon_end - self.epsilon_start)


def epsilon_greedy(q_row: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    """With probability ε a uniformly random action, else a greedy one (ties broken uniformly at random)."""
    if rng.random() < epsilon:
        return int(rng.integers(len(q_row)))
    best = np.flatnonzero(q_row == q_row.max())  # all the tied best actions
    return int(rng.choice(best))


def q_learning(env, config: QLearningConfig, seed: int) -> np.ndarray:
    """Tabular Q-learning: Q(s,a) += α [r + γ max_a' Q(s',a') − Q(s,a)], with no bootstrap after a terminal
    step. Behaviour: ε-greedy with ε = config.epsilon(episode). Returns Q of shape (S, A)."""
    rng = np.random.default_rng(seed)  # the agent's randomness (exploration, ties)
    Q = np.full((env.observation_space.n, env.action_space.n), config.q_init)
    for episode in range(config.n_episodes):
        epsilon = config.epsilon(episode)
        s, _ = env.reset(seed=seed if episode == 0 else None)  # seed the env once; later resets continue it
        done = False
        while not done:
            a = epsilon_greedy(Q[s], epsilon, rng)
            s_next, r, terminated, truncated, _ = env.step(a)
            target = r if terminated else r + config.gamma * Q[s_next].max()  # off-policy: greedy next action
            Q[s, a] += config.alpha * (target - Q[s, a])
            s = s_next
            done = terminated or truncated
    return Q


def td0_evaluation(
    env, pi: np.ndarray, gamma: float, alpha: float, n_episodes: int, seed: int, v_init: float = 0.0
) -> np.ndarray:
    """TD(0) prediction of v_π from experience alone: after each step V(s) += α [r + γ V(s') − V(s)], with the
    target r alone after a terminal step and a bootstrap after a time-limit truncation. Actions are drawn from
    pi[s] (S, A); V starts at v_init everywhere (a terminal state is never updated). Returns V of shape (S,)."""
    rng = np.random.default_rng(seed)  # the agent's randomness: its actions
    V = np.full(env.observation_space.n, float(v_init))
    for episode in range(n_episodes):
        s, _ = env.reset(seed=seed if episode == 0 else None)  # seed the env once; later resets continue it
        done = False
        while not done:
            a = int(rng.choice(pi.shape[1], p=pi[s]))
            s_next, r, terminated, truncated, _ = env.step(a)
            target = r if terminated else r + gamma * V[s_next]  # truncated: the episode stops, the task does not
            V[s] += alpha * (target - V[s])
            s = s_next
            done = terminated or truncated
    return V


def sarsa(env, config: QLearningConfig, seed: int, curve: list | None = None) -> np.ndarray:
    """Tabular SARSA: like Q-learning but the target uses the next action A' the ε-greedy policy really takes,
    r + γ Q(s', A'). On-policy: it learns the values of the exploring policy. Appends each episode's return
    to `curve` when given."""
    rng = np.random.default_rng(seed)
    Q = np.full((env.observation_space.n, env.action_space.n), config.q_init)
    for episode in range(config.n_episodes):
        epsilon = config.epsilon(episode)
        s, _ = env.reset(seed=seed if episode == 0 else None)
        a = epsilon_greedy(Q[s], epsilon, rng)
        done, total = False, 0.0
        while not done:
            s_next, r, terminated, truncated, _ = env.step(a)
            a_next = epsilon_greedy(Q[s_next], epsilon, rng)
            target = r if terminated else r + config.gamma * Q[s_next, a_next]
            Q[s, a] += config.alpha * (target - Q[s, a])
            s, a, total = s_next, a_next, total + r
            done = terminated or truncated
        if curve is not None:
            curve.append(total)
    return Q
