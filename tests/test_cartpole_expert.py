"""CartPole with pushes (lmrl/PushedCartPole-v0) and the scripted CartPole expert of Chapter 5."""

import importlib

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import lmrl_utils.rl.envs
from lmrl_utils.rl.envs import PUSHED_CARTPOLE_ID
from lmrl_utils.rl.experts import cartpole_expert
from lmrl_utils.rl.rollouts import run_episode

pytestmark = pytest.mark.chapter("05_imitation")


def expert_act(obs) -> int:
    return int(cartpole_expert(obs))


def test_registration_is_idempotent():
    importlib.reload(lmrl_utils.rl.envs)
    assert PUSHED_CARTPOLE_ID in gym.registry
    assert gym.make(PUSHED_CARTPOLE_ID).spec.max_episode_steps == 500


def test_passes_the_env_checker():
    check_env(gym.make(PUSHED_CARTPOLE_ID, push_prob=0.5).unwrapped, skip_render_check=True)  # no pygame here


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(ValueError, match="push_prob"):
        gym.make(PUSHED_CARTPOLE_ID, push_prob=1.5)


def test_no_pushes_is_cartpole_v1():
    """With push_prob = 0 the same seed and actions give CartPole-v1's observations exactly."""
    runs = [run_episode(gym.make(name, **kw), expert_act, seed=3)[0] for name, kw in
            (("CartPole-v1", {}), (PUSHED_CARTPOLE_ID, {"push_prob": 0.0}))]
    np.testing.assert_array_equal(np.array(runs[0]), np.array(runs[1]))


def test_pushes_happen_and_are_seeded():
    env = gym.make(PUSHED_CARTPOLE_ID, push_prob=1.0, push=0.5)
    env.reset(seed=0)
    _, _, _, _, info = env.step(0)
    assert np.all(np.abs(info["push"]) <= 0.5) and np.any(info["push"] != 0)
    first = run_episode(env, expert_act, seed=1)[0]
    again = run_episode(env, expert_act, seed=1)[0]
    np.testing.assert_array_equal(np.array(first), np.array(again))


def test_expert_balances_to_the_time_limit():
    """The scripted expert survives all 500 steps of CartPole-v1, and of the pushed variant used in Chapter 5."""
    for name, kw in (("CartPole-v1", {}), (PUSHED_CARTPOLE_ID, {"push_prob": 0.05, "push": 0.5})):
        env = gym.make(name, **kw)
        returns = [sum(run_episode(env, expert_act, seed=seed)[2]) for seed in range(5)]
        assert returns == [500.0] * 5, (name, returns)


def test_expert_pushes_towards_the_lean():
    assert cartpole_expert(np.array([0.0, 0.0, 0.1, 0.0])) == 1
    assert cartpole_expert(np.array([0.0, 0.0, 0.0, -1.0])) == 0
    assert cartpole_expert(np.zeros((3, 4))).shape == (3,)
