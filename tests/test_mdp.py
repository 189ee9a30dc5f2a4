"""Unit tests of Chapter 4's helpers: the MDP type, exact solutions, planners, tabular learning (fast)."""

import gymnasium as gym
import numpy as np
import pytest

import lmrl_utils.rl.envs  # noqa: F401
from lmrl_utils.rl.experience import (
    TransitionRecorder,
    action_frequencies_fit,
    epsilon_schedule_fits,
    replay_td_exact,
)
from lmrl_utils.rl.mdp import (
    TabularMDP,
    evaluate_policy_exact,
    finite_horizon_optimal,
    finite_horizon_value,
    from_gym_env,
    q_from_v_exact,
    random_mdp,
    solve_exact,
)
from lmrl_utils.rl.model_based import CountModel, dyna_q
from lmrl_utils.rl.rollouts import mc_evaluation, run_episode, success_rate
from lmrl_utils.rl.tabular import (
    QLearningConfig,
    discounted_returns,
    epsilon_greedy,
    greedy_policy,
    policy_evaluation,
    policy_iteration,
    q_from_v,
    q_learning,
    sarsa,
    td0_evaluation,
    value_iteration,
)

pytestmark = pytest.mark.chapter("04_mdp")


def test_frozenlake_conversion_matches_the_table():
    mdp = from_gym_env(gym.make("FrozenLake-v1", is_slippery=False), gamma=0.9)
    assert mdp.P[1, 1, 5] == 1.0  # P[1][1] = [(1.0, 5, 0, True)]: state 5 is a hole
    assert mdp.terminal[[5, 7, 11, 12, 15]].all() and mdp.terminal.sum() == 5
    assert mdp.R[14, 2] == 1.0 and mdp.R.sum() == 1.0  # only entering the goal pays: from 14, moving right
    slippery = from_gym_env(gym.make("FrozenLake-v1"), gamma=0.9)
    np.testing.assert_allclose(slippery.P[1, 1, [0, 5, 2]], 1 / 3)
    np.testing.assert_allclose(slippery.P.sum(axis=2), 1.0)


def test_mdp_rejects_bad_arrays():
    with pytest.raises(ValueError, match="sum to 1"):
        TabularMDP(P=np.full((2, 1, 2), 0.3), R=np.zeros((2, 1)), gamma=0.9, terminal=np.zeros(2, bool),
                   start=np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="absorbing"):
        TabularMDP(P=np.full((2, 1, 2), 0.5), R=np.zeros((2, 1)), gamma=0.9, terminal=np.array([False, True]),
                   start=np.array([1.0, 0.0]))


def test_exact_evaluation_of_a_constant_reward():
    mdp = TabularMDP(P=np.array([[[1.0, 0.0]], [[0.0, 1.0]]]), R=np.array([[1.0], [0.0]]), gamma=0.9,
                     terminal=np.array([False, True]), start=np.array([1.0, 0.0]))
    np.testing.assert_allclose(evaluate_policy_exact(mdp, np.array([0, 0])), [10.0, 0.0])


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9, 0.99, 1.0])
def test_planners_agree_with_the_linear_solve(gamma):
    rng = np.random.default_rng(int(gamma * 100))
    for S, A in [(4, 2), (10, 3), (20, 5)]:
        mdp = random_mdp(rng, S, A, gamma, n_terminal=2)
        v_star, pi_star = solve_exact(mdp)
        q_star = q_from_v_exact(mdp, v_star)
        np.testing.assert_allclose(q_star.max(axis=1), v_star, atol=1e-9)  # Bellman optimality
        for v, pi in (value_iteration(mdp), policy_iteration(mdp)):
            np.testing.assert_allclose(v, v_star, atol=1e-7)
            np.testing.assert_array_equal(pi, pi_star)
        pi = rng.dirichlet(np.ones(A), size=S)
        np.testing.assert_allclose(policy_evaluation(mdp, pi), evaluate_policy_exact(mdp, pi), atol=1e-7)
        np.testing.assert_allclose(q_from_v(mdp, v_star), q_star)


def test_greedy_ties_go_to_the_lowest_action():
    q = np.array([[1.0, 1.0 + 1e-12, 0.0], [0.0, 2.0, 2.0], [3.0, 0.0, 0.0]])
    np.testing.assert_array_equal(greedy_policy(q), [0, 1, 0])


def test_grid_world_policies_depend_on_the_step_reward():
    def solve(step_reward):
        return value_iteration(from_gym_env(gym.make("lmrl/GridWorld-v0", step_reward=step_reward), 1.0))

    v, pi = solve(-2.0)
    assert v[10] == -3.0 and pi[10] == 3  # below -1: straight into -1 (-3) instead of the long way (-7)
    assert v[5] == -3.0 and pi[5] == 2  # left of -1: a tie at -3, broken to the lowest action (right)
    v, pi = solve(-0.1)
    assert pi[10] == 0 and pi[5] == 3 and v[7] == pytest.approx(0.5)


def test_success_probability_within_the_time_limit():
    mdp = from_gym_env(gym.make("FrozenLake-v1"), gamma=0.99)
    v, pi = solve_exact(mdp)
    assert v[0] == pytest.approx(0.542, abs=1e-3)
    assert finite_horizon_value(mdp, pi, 100)[0] == pytest.approx(0.740, abs=1e-3)


def test_finite_horizon_optimal_is_backward_induction():
    rng = np.random.default_rng(7)
    mdp = random_mdp(rng, 6, 3, gamma=0.5, n_terminal=2)  # gamma is ignored: the time limit cuts the sum
    V, policy = finite_horizon_optimal(mdp, 4)
    assert V.shape == (5, 6) and policy.shape == (4, 6)
    np.testing.assert_array_equal(V[0], 0.0)
    np.testing.assert_allclose(V[1], np.where(mdp.terminal, 0.0, mdp.R.max(axis=1)))  # one step: the best reward
    W = np.zeros(6)  # evaluate the returned non-stationary policy: it earns exactly V
    for k in range(1, 5):
        W = mdp.R[np.arange(6), policy[k - 1]] + (mdp.P[np.arange(6), policy[k - 1]] @ W)
        W[mdp.terminal] = 0.0
        np.testing.assert_allclose(W, V[k])
    for _ in range(20):  # no stationary deterministic policy does better
        pi = rng.integers(3, size=6)
        assert np.all(finite_horizon_value(mdp, pi, 4) <= V[4] + 1e-12)
    proper = random_mdp(rng, 8, 3, gamma=1.0)  # every policy ends: V_k tends to v* of the undiscounted MDP
    np.testing.assert_allclose(finite_horizon_optimal(proper, 2000)[0][-1], solve_exact(proper)[0], atol=1e-8)


def test_the_time_limit_optimum_beats_the_discounted_optimum_on_frozenlake():
    for name, limit, best in [("FrozenLake-v1", 100, 0.7442), ("FrozenLake8x8-v1", 200, 0.9132)]:
        env = gym.make(name)
        assert env.spec.max_episode_steps == limit
        mdp = from_gym_env(env, gamma=0.99)
        V, _ = finite_horizon_optimal(mdp, limit)
        assert V[limit][0] == pytest.approx(best, abs=1e-4)
        assert finite_horizon_value(mdp, solve_exact(mdp)[1], limit)[0] < V[limit][0] - 0.003


def test_policy_iteration_starts_from_a_proper_policy():
    grid = from_gym_env(gym.make("lmrl/GridWorld-v0", step_reward=-0.04), gamma=1.0)
    with pytest.raises(ValueError, match="singular"):  # always left: the top-left square bumps the edge forever
        evaluate_policy_exact(grid, np.zeros(grid.n_states, dtype=int))
    v, pi = policy_iteration(grid)  # from the uniform random policy, which ends with probability 1
    v_star, pi_star = solve_exact(grid)
    np.testing.assert_allclose(v, v_star, atol=1e-8)
    np.testing.assert_array_equal(pi, pi_star)


def test_discounted_returns_and_monte_carlo():
    np.testing.assert_allclose(discounted_returns([0, 0, 0, 1], 0.9), [0.729, 0.81, 0.9, 1.0])
    env = gym.make("FrozenLake-v1", is_slippery=False)
    mdp = from_gym_env(env, gamma=0.9)
    pi = np.full((16, 4), 0.25)
    v_mc = mc_evaluation(env, pi, 0.9, n_episodes=3000, seed=0)
    assert abs(v_mc[0] - evaluate_policy_exact(mdp, pi)[0]) < 0.01


def test_epsilon_greedy_and_the_schedule():
    rng = np.random.default_rng(0)
    assert epsilon_greedy(np.array([0.0, 3.0, 1.0]), 0.0, rng) == 1
    picks = {epsilon_greedy(np.zeros(4), 0.0, rng) for _ in range(200)}
    assert picks == {0, 1, 2, 3}  # ties broken at random
    config = QLearningConfig(epsilon_start=1.0, epsilon_end=0.1, decay_episodes=10)
    assert config.epsilon(0) == 1.0 and config.epsilon(5) == pytest.approx(0.55)
    assert config.epsilon(99) == pytest.approx(0.1)


def test_learners_solve_the_small_lake():
    env = gym.make("FrozenLake-v1", is_slippery=False)
    config = QLearningConfig(n_episodes=300, alpha=0.5, decay_episodes=200)
    for learner in (q_learning, sarsa):
        assert success_rate(env, learner(env, config, seed=1).argmax(axis=1), 20, seed=0) == 1.0
    curve = []
    Q = dyna_q(env, QLearningConfig(n_episodes=60, alpha=0.5, decay_episodes=40), n_planning=10, seed=0, curve=curve)
    assert len(curve) == 60 and success_rate(env, Q.argmax(axis=1), 20, seed=0) == 1.0


def test_q_learning_is_reproducible():
    env = gym.make("FrozenLake-v1")
    config = QLearningConfig(n_episodes=50)
    np.testing.assert_array_equal(q_learning(env, config, seed=3), q_learning(env, config, seed=3))


def test_count_model_recovers_the_frequencies():
    model = CountModel(3, 1)
    for s_next in (1, 1, 2, 1):
        model.update(0, 0, 1.0 if s_next == 2 else 0.0, s_next, terminated=s_next == 2)
    mdp = model.to_mdp(0.9)
    np.testing.assert_allclose(mdp.P[0, 0], [0.0, 0.75, 0.25])
    assert mdp.R[0, 0] == 0.25 and mdp.terminal[2] and mdp.P[1, 0, 1] == 1.0  # unseen (1, 0) stays put


def test_run_episode_stops_on_truncation():
    env = gym.make("FrozenLake-v1", is_slippery=False, max_episode_steps=5)
    states, actions, rewards = run_episode(env, lambda s: 0, seed=0)  # always left: bumps the wall
    assert len(states) == len(actions) == len(rewards) == 5


def test_replaying_the_recorded_transitions_gives_the_learners_values():
    env = TransitionRecorder(gym.make("FrozenLake-v1", max_episode_steps=10))  # slippery, many truncations
    config = QLearningConfig(n_episodes=100, alpha=0.3, gamma=0.9, decay_episodes=50, q_init=0.5)
    Q = q_learning(env, config, seed=4)
    assert len(env.reset_seeds) == 100 and env.reset_seeds[:2] == [4, None]
    assert any(t[5] and not t[4] for t in env.transitions)  # some steps were only truncated
    q0 = np.full((16, 4), 0.5)
    np.testing.assert_allclose(Q, replay_td_exact(env.transitions, q0, 0.3, 0.9), atol=1e-12)
    for mistake in ("truncation_ends", "bootstrap_terminal"):  # each classic mistake gives other values
        assert not np.allclose(Q, replay_td_exact(env.transitions, q0, 0.3, 0.9, **{mistake: True}))
    env.transitions.clear()
    pi = np.random.default_rng(0).dirichlet(np.ones(4), size=16)
    V = td0_evaluation(env, pi, gamma=0.9, alpha=0.2, n_episodes=100, seed=1, v_init=-0.1)
    np.testing.assert_allclose(V, replay_td_exact(env.transitions, np.full(16, -0.1), 0.2, 0.9), atol=1e-12)
    assert action_frequencies_fit(env.transitions, pi)[0]
    assert not action_frequencies_fit(env.transitions, np.eye(4)[np.zeros(16, dtype=int)])[0]


def test_td0_converges_to_the_exact_values():
    env = gym.make("FrozenLake-v1", is_slippery=False)
    mdp = from_gym_env(env, gamma=0.9)
    path = np.array([1, 2, 1, 0, 1, 0, 1, 0, 2, 2, 1, 0, 0, 2, 2, 0])  # the shortest path from 0
    V = td0_evaluation(env, np.eye(4)[path], gamma=0.9, alpha=1.0, n_episodes=6, seed=0)
    np.testing.assert_allclose(V[[0, 4, 8, 9, 10, 14]], evaluate_policy_exact(mdp, path)[[0, 4, 8, 9, 10, 14]])
    slippery = gym.make("FrozenLake-v1")
    pi = np.full((16, 4), 0.25)
    V = td0_evaluation(slippery, pi, gamma=0.9, alpha=0.02, n_episodes=3000, seed=0)
    v_pi = evaluate_policy_exact(from_gym_env(slippery, gamma=0.9), pi)
    assert np.abs(V - v_pi).mean() < 0.02 < np.abs(np.zeros(16) - v_pi).mean()  # nearer v_π than v = 0 is


def test_action_frequencies_fit_rarely_fails_a_correct_agent():
    rng = np.random.default_rng(5)
    pi = rng.dirichlet(np.ones(3), size=4)
    failures = 0
    for _ in range(200):
        states = rng.integers(4, size=300)
        transitions = [(s, int(rng.choice(3, p=pi[s])), 0.0, 0, False, False) for s in states]
        failures += not action_frequencies_fit(transitions, pi, delta=0.05)[0]
    assert failures <= 10 + 3 * np.sqrt(10)  # δ = 0.05 is an upper bound on the error rate: at most ~10 of 200


def test_epsilon_schedule_fits_passes_the_reference_and_refuses_other_schedules():
    """The reference agent's actions fit its own ε schedule on every seed tried; a fixed ε = epsilon_end (too
    greedy) or ε = epsilon_start (too random) is refused on every seed."""
    config = QLearningConfig(n_episodes=300, alpha=0.2, gamma=0.95, epsilon_start=1.0, epsilon_end=0.1,
                             decay_episodes=200, q_init=0.3)
    schedule = [config.epsilon(i) for i in range(config.n_episodes)]
    q0 = np.full((16, 4), 0.3)
    for seed in range(10):
        env = TransitionRecorder(gym.make("FrozenLake-v1", max_episode_steps=15))
        q_learning(env, config, seed=seed)
        assert epsilon_schedule_fits(env.transitions, q0, config.alpha, config.gamma, schedule)[0]
        for wrong in (config.epsilon_end, config.epsilon_start):
            assert not epsilon_schedule_fits(env.transitions, q0, config.alpha, config.gamma,
                                             [wrong] * config.n_episodes)[0]
