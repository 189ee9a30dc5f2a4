"""A tabular Markov decision process as arrays, and the exact (linear-algebra) answers Chapter 4 checks.

Conventions (Sutton & Barto, 2nd ed.): the reward R_{t+1} follows the action A_t; `P[s, a, s']` is
p(s' | s, a) and `R[s, a]` the expected reward E[R_{t+1} | S_t = s, A_t = a]. Terminal states are absorbing
(`P[s, a, s] = 1`) with zero reward, so every value of a terminal state is 0.

A policy is either a (S, A) matrix of probabilities pi[s, a] or, when deterministic, a (S,) array of actions.

Example:
    mdp = from_gym_env(gymnasium.make("FrozenLake-v1"), gamma=0.99)
    v_star, policy = solve_exact(mdp)    # optimal values by policy iteration with linear solves
    v_star[0]                            # -> 0.542 (the start state)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TabularMDP:
    """A finite MDP ⟨S, A, p, r, γ⟩ with absorbing terminal states."""

    P: np.ndarray  # (S, A, S) transition probabilities p(s' | s, a); each P[s, a] sums to 1
    R: np.ndarray  # (S, A) expected reward r(s, a) of taking a in s
    gamma: float  # discount factor γ in [0, 1]; γ = 1 needs every policy to reach a terminal state
    terminal: np.ndarray  # (S,) bool: True for terminal states (absorbing, zero reward)
    start: np.ndarray  # (S,) start-state distribution d_0

    def __post_init__(self) -> None:
        S, A = self.R.shape
        if self.P.shape != (S, A, S):
            raise ValueError(f"P should have shape {(S, A, S)} to match R {self.R.shape}, got {self.P.shape}")
        if not np.allclose(self.P.sum(axis=2), 1.0):
            raise ValueError("every row P[s, a, :] must sum to 1")
        if not 0.0 <= self.gamma <= 1.0:
            raise ValueError(f"gamma must lie in [0, 1], got {self.gamma}")
        for s in np.flatnonzero(self.terminal):
            if not (np.allclose(self.P[s, :, s], 1.0) and np.allclose(self.R[s], 0.0)):
                raise ValueError(f"terminal state {s} must be absorbing with zero reward")

    @property
    def n_states(self) -> int:
        return self.R.shape[0]

    @property
    def n_actions(self) -> int:
        return self.R.shape[1]


def as_policy_matrix(policy: np.ndarray, n_actions: int) -> np.ndarray:
    """A (S, A) probability matrix from a (S, A) matrix (returned as is) or a (S,) array of actions.

    Example: as_policy_matrix(np.array([1, 0]), 2) -> [[0., 1.], [1., 0.]]
    """
    policy = np.asarray(policy)
    if policy.ndim == 1:
        return np.eye(n_actions)[policy]
    return policy.astype(float)


def make_absorbing(P: np.ndarray, R: np.ndarray, terminal: np.ndarray) -> None:
    """Make the terminal states absorbing with zero reward, in place: P[s, a, s] = 1 and R[s, a] = 0 for every
    terminal s and action a. Every TabularMDP builder calls this, so a terminal state's value is always 0."""
    P[terminal] = 0.0
    P[terminal, :, terminal] = 1.0
    R[terminal] = 0.0


def policy_dynamics(mdp: TabularMDP, policy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P_π, r_π): the state-to-state transition matrix (S, S) and expected reward (S,) of following `policy`.

    P_π[s, s'] = Σ_a π(a|s) p(s'|s, a) and r_π[s] = Σ_a π(a|s) r(s, a): a policy turns the MDP into a Markov
    chain with rewards.
    """
    pi = as_policy_matrix(policy, mdp.n_actions)
    return np.einsum("sa,sat->st", pi, mdp.P), (pi * mdp.R).sum(axis=1)


def from_gym_env(env, gamma: float) -> TabularMDP:
    """The MDP of a Gymnasium toy-text env (FrozenLake, Taxi, CliffWalking, the LMRL grid world).

    Reads `env.unwrapped.P[s][a]`, a list of (probability, next_state, reward, terminated) tuples. A state
    entered with terminated=True is terminal: its row becomes absorbing with zero reward (Gymnasium never
    steps from it). Example: P[1][1] of non-slippery FrozenLake is [(1.0, 5, 0, True)]: state 5 is a hole.
    """
    u = env.unwrapped
    S, A = u.observation_space.n, u.action_space.n
    P, R = np.zeros((S, A, S)), np.zeros((S, A))
    terminal = np.zeros(S, dtype=bool)
    for s in range(S):
        for a in range(A):
            for prob, s_next, reward, terminated in u.P[s][a]:
                P[s, a, s_next] += prob
                R[s, a] += prob * reward
                terminal[s_next] |= bool(terminated)
    make_absorbing(P, R, terminal)
    start = np.asarray(getattr(u, "initial_state_distrib", np.eye(S)[0]), dtype=float)
    return TabularMDP(P=P, R=R, gamma=gamma, terminal=terminal, start=start)


def evaluate_policy_exact(mdp: TabularMDP, policy: np.ndarray) -> np.ndarray:
    """v_π by one linear solve: v = r_π + γ P_π v on non-terminal states, v = 0 on terminal ones.

    With N the non-terminal states, (I − γ P_π[N, N]) v_N = r_π[N]. Example: a policy that earns 1 per step
    forever with γ = 0.9 has v = 1 / (1 − 0.9) = 10.
    """
    P_pi, r_pi = policy_dynamics(mdp, policy)  # (S, S), (S,)
    n = ~mdp.terminal
    v = np.zeros(mdp.n_states)
    system = np.eye(n.sum()) - mdp.gamma * P_pi[np.ix_(n, n)]
    try:
        v[n] = np.linalg.solve(system, r_pi[n])
    except np.linalg.LinAlgError as err:
        raise ValueError("I - γ P_π is singular: with γ = 1 the policy must reach a terminal state") from err
    return v


def q_from_v_exact(mdp: TabularMDP, v: np.ndarray) -> np.ndarray:
    """q(s, a) = r(s, a) + γ Σ_s' p(s' | s, a) v(s'), a (S, A) array."""
    return mdp.R + mdp.gamma * mdp.P @ v


def solve_exact(mdp: TabularMDP, max_iterations: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Optimal values v* and an optimal deterministic policy, by policy iteration with linear solves.

    Ties between actions (within 1e-9) go to the lowest action index. Returns (v* (S,), policy (S,) ints).
    """
    policy = np.zeros(mdp.n_states, dtype=int)
    if mdp.gamma == 1.0:  # start from a proper policy: the greedy one of a discounted version
        policy = solve_exact(TabularMDP(mdp.P, mdp.R, 0.99, mdp.terminal, mdp.start))[1]
    for _ in range(max_iterations):
        v = evaluate_policy_exact(mdp, policy)
        q = q_from_v_exact(mdp, v)
        better = q.max(axis=1) > q[np.arange(mdp.n_states), policy] + 1e-9  # change only on a real gain
        if not better.any():
            ties = q >= q.max(axis=1, keepdims=True) - 1e-9
            return v, np.argmax(ties, axis=1)
        policy = np.where(better, q.argmax(axis=1), policy)
    raise RuntimeError("policy iteration did not converge")


def finite_horizon_value(mdp: TabularMDP, policy: np.ndarray, horizon: int) -> np.ndarray:
    """Expected undiscounted reward of `horizon` steps of the policy from each state (a time limit's view).

    For FrozenLake this is the probability of reaching the goal within `horizon` steps.
    """
    P_pi, r_pi = policy_dynamics(mdp, policy)
    v = np.zeros(mdp.n_states)
    for _ in range(horizon):
        v = r_pi + P_pi @ v
    return v


def finite_horizon_optimal(mdp: TabularMDP, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """The highest expected undiscounted reward of `horizon` steps, and a policy that reaches it.

    Finite-horizon dynamic programming (backward induction): V_0 = 0 and
    V_{k+1}(s) = max_a [r(s, a) + Σ_s' p(s' | s, a) V_k(s')], where V_k(s) is the best expected reward of the
    k steps still to go. `mdp.gamma` is not used: a time limit cuts the sum, nothing discounts it. The best
    action can depend on the steps left, so the policy is non-stationary. Returns V of shape (horizon + 1, S)
    with V[k] = V_k, and policy of shape (horizon, S) with policy[k - 1] the action to take with k steps to go
    (ties to the lowest action). For FrozenLake, V[k][s] is the highest probability of reaching the goal from
    s within k steps. Example: V, policy = finite_horizon_optimal(mdp, 100); V[100][0] on the slippery 4x4
    lake -> 0.744, above the 0.740 of the γ = 0.99 optimal policy (finite_horizon_value).
    """
    V = np.zeros((horizon + 1, mdp.n_states))
    policy = np.zeros((horizon, mdp.n_states), dtype=int)
    for k in range(horizon):
        q = mdp.R + mdp.P @ V[k]  # (S, A): act now, then the best of the k steps that remain
        best = q >= q.max(axis=1, keepdims=True) - 1e-9
        policy[k] = np.argmax(best, axis=1)  # the lowest of the tied best actions
        V[k + 1] = q.max(axis=1)
        V[k + 1, mdp.terminal] = 0.0  # an episode that has ended earns nothing more
    return V, policy


def random_mdp(
    rng: np.random.Generator, n_states: int, n_actions: int, gamma: float, n_terminal: int = 1
) -> TabularMDP:
    """A random MDP for tests: Dirichlet(1) transition rows, N(0, 1) rewards, the last states terminal.

    Every (s, a) reaches a terminal state with positive probability, so even γ = 1 gives finite values.
    """
    P = rng.dirichlet(np.ones(n_states), size=(n_states, n_actions))
    R = rng.normal(size=(n_states, n_actions))
    terminal = np.zeros(n_states, dtype=bool)
    terminal[n_states - n_terminal:] = True
    make_absorbing(P, R, terminal)
    start = np.eye(n_states)[0]
    return TabularMDP(P=P, R=R, gamma=gamma, terminal=terminal, start=start)
