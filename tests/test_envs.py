"""The LMRL grid world: registration, Gymnasium's env checker, dynamics and rewards."""

import importlib

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import lmrl_utils.rl.envs
from lmrl_utils.rl.envs import GRID_WORLD_ID

pytestmark = pytest.mark.chapter("04_mdp")


def test_registration_is_idempotent():
    importlib.reload(lmrl_utils.rl.envs)  # a second registration must not warn or fail
    assert GRID_WORLD_ID in gym.registry
    assert gym.make(GRID_WORLD_ID).spec.max_episode_steps == 100


def test_passes_the_env_checker():
    check_env(gym.make(GRID_WORLD_ID, step_reward=-0.1).unwrapped, skip_render_check=False)


def test_layout_and_spaces():
    env = gym.make(GRID_WORLD_ID).unwrapped
    assert env.observation_space.n == 11 and env.action_space.n == 4
    assert env.layout[1, 1] == -1 and env.layout[0, 3] == 3 and env.layout[2, 0] == 7


def test_a_walk_to_plus_one():
    env = gym.make(GRID_WORLD_ID, step_reward=-0.1, render_mode="ansi")
    s, _ = env.reset(seed=0)
    assert s == 7  # start: bottom-left
    rewards = []
    for a in (3, 3, 2, 2, 2):  # up, up, right, right, right
        s, r, terminated, truncated, _ = env.step(a)
        rewards.append(r)
    assert s == 3 and terminated and not truncated
    np.testing.assert_allclose(rewards, [-0.1, -0.1, -0.1, -0.1, 0.9])
    assert "A" in env.render()


def test_walls_and_edges_block():
    env = gym.make(GRID_WORLD_ID, step_reward=-1.0).unwrapped
    assert env.P[7][0] == [(1.0, 7, -1.0, False)]  # left edge
    assert env.P[4][2] == [(1.0, 4, -1.0, False)]  # into the wall
    assert env.P[10][3] == [(1.0, 6, -2.0, True)]  # up into -1
