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


# --- the tightrope of Chapter 5 -------------------------------------------------------------------------------

from lmrl_utils.rl.envs import TIGHTROPE_ID  # noqa: E402


@pytest.mark.chapter("05_imitation")
def test_tightrope_passes_the_env_checker():
    assert gym.make(TIGHTROPE_ID).spec.max_episode_steps == 100
    check_env(gym.make(TIGHTROPE_ID, slip=0.2).unwrapped, skip_render_check=False)


@pytest.mark.chapter("05_imitation")
def test_tightrope_model():
    env = gym.make(TIGHTROPE_ID, width=3, slip=0.3).unwrapped
    assert env.observation_space.n == 4 and env.action_space.n == 3
    # from the left end, stepping left falls with probability 0.7 + 0.1; a slip may also stay or step right
    p = pytest.approx
    assert env.P[0][0] == [(p(0.1), 0, 1.0, False), (p(0.1), 1, 1.0, False), (p(0.8), 3, 0.0, True)]
    assert env.P[1][1] == [(p(0.1), 0, 1.0, False), (p(0.8), 1, 1.0, False), (p(0.1), 2, 1.0, False)]
    assert env.P[3][2] == [(1.0, 3, 0.0, True)]  # fallen: absorbing


@pytest.mark.chapter("05_imitation")
def test_tightrope_calm_walk_and_fall():
    env = gym.make(TIGHTROPE_ID, width=5, slip=0.0, render_mode="ansi")
    s, _ = env.reset(seed=0)
    assert s == 2 and env.render() == "--A--\n"
    rewards = []
    for _ in range(3):
        s, r, terminated, truncated, _ = env.step(0)
        rewards.append(r)
    assert s == 5 and terminated and not truncated and rewards == [1.0, 1.0, 0.0]
    assert "fallen" in env.render()
