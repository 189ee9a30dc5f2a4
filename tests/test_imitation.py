"""Unit tests of Chapter 5's helpers: the tightrope's experts, exact returns, behaviour cloning and DAgger (fast)."""

import gymnasium as gym
import numpy as np
import pytest
import torch

import lmrl_utils.rl.envs  # noqa: F401
from lmrl_utils.rl.experts import exact_return, expert_policy, horizon_of
from lmrl_utils.rl.imitation import (
    BCConfig,
    as_policy,
    bc_loss,
    behaviour_cloning,
    collect,
    dagger,
    imitation_errors,
)
from lmrl_utils.rl.mdp import from_gym_env

pytestmark = pytest.mark.chapter("05_imitation")


@pytest.fixture(scope="module")
def rope():
    return gym.make("lmrl/Tightrope-v0", width=7, slip=0.2)


def test_expert_steps_to_the_middle_and_stays(rope):
    np.testing.assert_array_equal(expert_policy(rope), [2, 2, 2, 1, 0, 0, 0, 0])
    assert horizon_of(rope) == 100
    assert 99.0 < exact_return(rope, expert_policy(rope)) < 100.0


def test_exact_return_matches_monte_carlo(rope):
    uniform = np.full((8, 3), 1 / 3)
    _, _, returns = collect(rope, uniform, 2000, np.random.default_rng(0))
    se = returns.std() / np.sqrt(len(returns))
    assert abs(returns.mean() - exact_return(rope, uniform)) < 5 * se


def test_horizon_needs_a_time_limit():
    from lmrl_utils.rl.envs import TightropeEnv

    with pytest.raises(ValueError, match="time limit"):
        horizon_of(TightropeEnv())


def test_bc_loss_is_the_cross_entropy():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(5, 3, generator=g)
    x, a = torch.randint(5, (20,), generator=g), torch.randint(3, (20,), generator=g)
    torch.testing.assert_close(bc_loss(logits, x, a), torch.nn.functional.cross_entropy(logits[x], a))


def test_behaviour_cloning_reaches_the_label_frequencies():
    states, actions = np.array([0, 0, 0, 0, 1]), np.array([0, 0, 0, 2, 1])
    pi = as_policy(behaviour_cloning(states, actions, 3, 3, BCConfig(n_steps=300, lr=0.1)))
    np.testing.assert_allclose(pi[0], [0.75, 0.0, 0.25], atol=0.01)
    np.testing.assert_allclose(pi[2], [1 / 3] * 3, atol=1e-7)


def test_calm_demonstrations_leave_bc_far_below_the_expert(rope):
    calm = gym.make("lmrl/Tightrope-v0", width=7, slip=0.0)
    expert = expert_policy(rope)
    states, actions, _ = collect(calm, np.eye(3)[expert], 3, np.random.default_rng(1))
    assert set(states.tolist()) == {3}  # the expert never leaves the middle of a calm rope
    bc = behaviour_cloning(states, actions, 8, 3, BCConfig())
    assert exact_return(rope, as_policy(bc)) < 0.5 * exact_return(rope, expert)
    on_expert, on_learner = imitation_errors(from_gym_env(rope, 1.0), as_policy(bc), expert, 100)
    assert 0 < on_expert < on_learner


def test_dagger_keeps_the_budget_and_reaches_the_expert(rope):
    expert = expert_policy(rope)
    states, actions, history = dagger(rope, expert, np.full(100, 3), np.full(100, 1), 800, BCConfig(),
                                      np.random.default_rng(2))
    assert len(states) == 800 and history[0][0] == 100 and history[-1][0] == 800
    np.testing.assert_array_equal(actions, expert[states])
    assert exact_return(rope, as_policy(history[-1][1])) > 0.9 * exact_return(rope, expert)
