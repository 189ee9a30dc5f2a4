"""LMRL's own Gymnasium environments, registered on import (idempotently).

    import gymnasium, lmrl_utils.rl.envs
    env = gymnasium.make("lmrl/GridWorld-v0", step_reward=-0.1)
    env = gymnasium.make("lmrl/Tightrope-v0", slip=0.1)   # Chapter 5's imitation task
    env = gymnasium.make("lmrl/PushedCartPole-v0", push_prob=0.05)   # Chapter 5: CartPole with pushes
"""

from gymnasium.envs.registration import register, registry

from lmrl_utils.rl.envs.grid_world import ACTION_NAMES, GridWorldEnv
from lmrl_utils.rl.envs.pushed_cartpole import PushedCartPoleEnv
from lmrl_utils.rl.envs.tightrope import TightropeEnv

GRID_WORLD_ID = "lmrl/GridWorld-v0"
TIGHTROPE_ID = "lmrl/Tightrope-v0"
PUSHED_CARTPOLE_ID = "lmrl/PushedCartPole-v0"

if GRID_WORLD_ID not in registry:
    register(id=GRID_WORLD_ID, entry_point="lmrl_utils.rl.envs.grid_world:GridWorldEnv", max_episode_steps=100)
if TIGHTROPE_ID not in registry:
    register(id=TIGHTROPE_ID, entry_point="lmrl_utils.rl.envs.tightrope:TightropeEnv", max_episode_steps=100)
if PUSHED_CARTPOLE_ID not in registry:  # the time limit and reward threshold of CartPole-v1
    register(id=PUSHED_CARTPOLE_ID, entry_point="lmrl_utils.rl.envs.pushed_cartpole:PushedCartPoleEnv",
             max_episode_steps=500, reward_threshold=475.0)

__all__ = ["ACTION_NAMES", "GRID_WORLD_ID", "PUSHED_CARTPOLE_ID", "TIGHTROPE_ID", "GridWorldEnv", "PushedCartPoleEnv",
           "TightropeEnv"]
