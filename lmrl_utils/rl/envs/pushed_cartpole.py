"""CartPole-v1 with random pushes: Chapter 5's continuous task, where a clone of a calm expert meets new states.

Gymnasium's CartPole (Barto, Sutton and Anderson, 1983): a pole hinged on a cart that moves on a track. Observations are
Box(4), (x, ẋ, θ, θ̇): cart position (m) and velocity, pole angle (rad, 0 = upright) and angular velocity.
Actions are Discrete(2): 0 pushes the cart left, 1 right, with a fixed force. Each step earns +1; the episode
ends when |θ| > 12° or |x| > 2.4 (terminated), or after 500 steps (truncated, the registered time limit), so the
return counts the steps the pole stayed up.

The only change: after each step, with probability `push_prob`, someone gives the cart and the pole a random
push, adding independent Uniform(-push, push) amounts to ẋ (m/s) and θ̇ (rad/s). With `push_prob = 0` this is
CartPole-v1 exactly. The pushes are drawn from the env's own `np_random`, so `reset(seed=...)` fixes them.
"""

from __future__ import annotations

from gymnasium.envs.classic_control.cartpole import CartPoleEnv


class PushedCartPoleEnv(CartPoleEnv):
    """CartPole whose cart and pole get a random push with probability `push_prob` after each step."""

    def __init__(self, push_prob: float = 0.05, push: float = 1.0, render_mode: str | None = None) -> None:
        if not 0.0 <= push_prob <= 1.0 or push < 0:
            raise ValueError(f"need push_prob in [0, 1] and push >= 0, got push_prob={push_prob}, push={push}")
        super().__init__(render_mode=render_mode)
        self.push_prob, self.push = push_prob, push

    def step(self, action):
        obs, reward, terminated, truncated, info = super().step(action)
        if not terminated and self.push_prob > 0 and self.np_random.random() < self.push_prob:
            kick = self.np_random.uniform(-self.push, self.push, size=2)  # (Δẋ, Δθ̇)
            self.state[1] += kick[0]
            self.state[3] += kick[1]
            obs = self.state.astype(obs.dtype)
            info = {**info, "push": kick}
        return obs, reward, terminated, truncated, info
