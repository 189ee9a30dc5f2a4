"""A tightrope walk as a Gymnasium environment (toy-text style, with a model `P`): Chapter 5's imitation task.

    position   0   1   2   3   4   5   6      (width 7; the walker starts in the middle, position 3)
    fallen     7                              (absorbing: the episode ends on falling off either end)

Each step the walker chooses 0 = step left, 1 = stay, 2 = step right. With probability `slip` its foot slips
and the move actually made is uniformly random among the three (so the intended one still happens with
probability 1 - slip + slip / 3). A step that stays on the rope earns +1; a step off either end earns 0 and
ends the episode. The return of an episode is therefore the number of steps survived (at most the time limit,
`max_episode_steps`, 100 by default). With `slip = 0` the rope is calm and an expert never leaves the middle.

Observations: Discrete(width + 1), the position, or `width` once fallen. Actions: Discrete(3).
"""

from __future__ import annotations

import numpy as np
from gymnasium import Env, spaces

ACTION_NAMES = ("left", "stay", "right")
MOVES = (-1, 0, 1)  # the change of position of each action


class TightropeEnv(Env):
    """Walk a rope of `width` positions without falling off; `P[s][a]` lists (prob, next, reward, terminated)."""

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, width: int = 7, slip: float = 0.1, render_mode: str | None = None) -> None:
        if width < 1 or not 0.0 <= slip <= 1.0:
            raise ValueError(f"need width >= 1 and slip in [0, 1], got width={width}, slip={slip}")
        self.width, self.slip, self.render_mode = width, slip, render_mode
        self.fallen = width  # the absorbing state after a fall
        self.observation_space = spaces.Discrete(width + 1)
        self.action_space = spaces.Discrete(len(MOVES))
        self.initial_state_distrib = np.eye(width + 1)[width // 2]
        self.P: dict[int, dict[int, list]] = {}
        for s in range(width + 1):
            self.P[s] = {}
            for a in range(len(MOVES)):
                if s == self.fallen:  # terminal: absorbing, no reward (never stepped by Gymnasium)
                    self.P[s][a] = [(1.0, s, 0.0, True)]
                    continue
                outcomes: dict[int, float] = {}
                for m, move in enumerate(MOVES):  # the move actually made
                    prob = slip / len(MOVES) + (1.0 - slip) * (m == a)
                    s2 = s + move if 0 <= s + move < width else self.fallen
                    outcomes[s2] = outcomes.get(s2, 0.0) + prob
                self.P[s][a] = [(p, s2, 0.0 if s2 == self.fallen else 1.0, s2 == self.fallen)
                                for s2, p in sorted(outcomes.items()) if p > 0]
        self.s = width // 2

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.s = int(self.np_random.choice(self.observation_space.n, p=self.initial_state_distrib))
        return self.s, {}

    def step(self, action: int):
        transitions = self.P[self.s][int(action)]
        i = int(self.np_random.choice(len(transitions), p=[t[0] for t in transitions]))
        _, s_next, reward, terminated = transitions[i]
        self.s = s_next
        return s_next, float(reward), terminated, False, {}

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        if self.s == self.fallen:
            return "-" * self.width + "  (fallen)\n"
        return "".join("A" if i == self.s else "-" for i in range(self.width)) + "\n"
