"""LMRL's own Gymnasium environments, registered on import (idempotently).

    import gymnasium, lmrl_utils.rl.envs
    env = gymnasium.make("lmrl/GridWorld-v0", step_reward=-0.1)
"""

from gymnasium.envs.registration import register, registry

from lmrl_utils.rl.envs.grid_world import ACTION_NAMES, GridWorldEnv

GRID_WORLD_ID = "lmrl/GridWorld-v0"

if GRID_WORLD_ID not in registry:
    register(id=GRID_WORLD_ID, entry_point="lmrl_utils.rl.envs.grid_world:GridWorldEnv", max_episode_steps=100)

__all__ = ["ACTION_NAMES", "GRID_WORLD_ID", "GridWorldEnv"]
