"""The 4x3 grid world of Russell & Norvig as a Gymnasium environment (toy-text style, with a model `P`).

    row 0   .  .  .  +1        S = start, # = wall, +1 / -1 = terminal squares
    row 1   .  #  .  -1        moves are deterministic; bumping into the wall or the edge stays put
    row 2   S  .  .  .

Every move earns `step_reward`; entering a terminal square adds +1 or -1 and ends the episode. States are
the 11 free squares numbered row by row from the top-left (the wall is skipped); actions follow FrozenLake:
0 = left, 1 = down, 2 = right, 3 = up.
"""

from __future__ import annotations

import numpy as np
from gymnasium import Env, spaces

MAP = ("...+", ".#.-", "S...")
ACTION_NAMES = ("left", "down", "right", "up")  # FrozenLake's action numbering, which the grid world shares
MOVES = ((0, -1), (1, 0), (0, 1), (-1, 0))  # (d_row, d_col) of left, down, right, up


class GridWorldEnv(Env):
    """Deterministic 4x3 grid world; `P[s][a] = [(1.0, next_state, reward, terminated)]` like FrozenLake."""

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, step_reward: float = -0.04, render_mode: str | None = None) -> None:
        self.step_reward = step_reward
        self.render_mode = render_mode
        self.desc = np.array([list(row) for row in MAP])
        self.nrow, self.ncol = self.desc.shape
        cells = [(r, c) for r in range(self.nrow) for c in range(self.ncol) if self.desc[r, c] != "#"]
        self.cells = cells  # state -> (row, col)
        index = {cell: s for s, cell in enumerate(cells)}
        self.layout = np.full((self.nrow, self.ncol), -1)  # (row, col) -> state, -1 for the wall
        for s, (r, c) in enumerate(cells):
            self.layout[r, c] = s
        n = len(cells)
        self.observation_space = spaces.Discrete(n)
        self.action_space = spaces.Discrete(4)
        self.initial_state_distrib = np.eye(n)[index[(2, 0)]]
        self.P: dict[int, dict[int, list]] = {}
        for s, (r, c) in enumerate(cells):
            self.P[s] = {}
            for a, (dr, dc) in enumerate(MOVES):
                if self.desc[r, c] in "+-":  # terminal: absorbing, no reward (never stepped by Gymnasium)
                    self.P[s][a] = [(1.0, s, 0.0, True)]
                    continue
                r2, c2 = r + dr, c + dc
                if not (0 <= r2 < self.nrow and 0 <= c2 < self.ncol) or self.desc[r2, c2] == "#":
                    r2, c2 = r, c  # blocked: stay put
                bonus = {"+": 1.0, "-": -1.0}.get(self.desc[r2, c2], 0.0)
                self.P[s][a] = [(1.0, index[(r2, c2)], step_reward + bonus, self.desc[r2, c2] in "+-")]
        self.s = int(np.argmax(self.initial_state_distrib))

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.s = int(self.np_random.choice(self.observation_space.n, p=self.initial_state_distrib))
        return self.s, {}

    def step(self, action: int):
        (_, s_next, reward, terminated), = self.P[self.s][int(action)]
        self.s = s_next
        return s_next, float(reward), terminated, False, {}

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        r0, c0 = self.cells[self.s]
        rows = ["".join("A" if (r, c) == (r0, c0) else self.desc[r, c] for c in range(self.ncol))
                for r in range(self.nrow)]
        return "\n".join(rows) + "\n"
