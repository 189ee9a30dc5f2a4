"""Time for REINFORCE with a value baseline to solve CartPole-v1, per seed, beside Stable-Baselines3's PPO.

    python bench/reinforce_cartpole.py                    # 5 seeds, 60 s budget each, one torch thread
    python bench/reinforce_cartpole.py --seeds 10 --ppo   # also PPO (pip install stable-baselines3; optional)
    python bench/reinforce_cartpole.py --seeds 3 --write  # bench/results/reinforce_cartpole.json

"Solved" is the issue's bar: a mean return >= 475 over 100 evaluation episodes of the stochastic policy, as it
acts in training (fresh seeds). An evaluation runs whenever a training batch's mean return reaches 475, and its
time counts. Prints per seed: wall-clock time to solve (from the call, setup included), environment steps and
updates to solve (machine-independent), training environment steps per second, and the final evaluation. Not a
test: times depend on the machine and its load. The seeds are the repeats (`--repeats` is another name for
`--seeds`); `--write` records the medians over the solved seeds, against PPO's when it ran, else the budget.
The one-time import that torch's Adam triggers on first use (torch._dynamo, seconds) is paid before the clock
starts. Keep one torch thread: these networks are tiny, and on a busy 2-core machine two threads made every run
10-30 times slower (OpenMP threads waiting for each other).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from record import RESULTS, result, row, write
from torch import nn

from lmrl_utils.rl.policy_gradient import ReinforceConfig, evaluate, reinforce

ENV, TARGET = "CartPole-v1", 475.0


def run_reinforce(config: ReinforceConfig, seed: int) -> dict:
    """One REINFORCE run until solved or out of budget; what the table prints."""
    start = time.perf_counter()
    _, history = reinforce(ENV, config, seed)
    seconds = time.perf_counter() - start
    evals = [h["eval"] for h in history if "eval" in h]
    solved = bool(evals) and evals[-1] >= TARGET
    return {"seed": seed, "solved": solved, "seconds": seconds, "env_steps": history[-1]["env_steps"],
            "updates": len(history), "steps_per_s": history[-1]["env_steps"] / history[-1]["seconds"],
            "eval": evals[-1] if evals else float("nan"), "n_evals": len(evals)}


class SB3Sampler(nn.Module):
    """An SB3 actor-critic seen as a course policy (`sample`), so both are evaluated by the same code."""

    def __init__(self, sb3_policy: nn.Module) -> None:
        super().__init__()
        self.inner = sb3_policy

    def sample(self, obs: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        probs = self.inner.get_distribution(obs).distribution.probs  # (B, A)
        actions = torch.multinomial(probs, 1, generator=generator).squeeze(-1)
        return actions, probs.gather(-1, actions[:, None]).log().squeeze(-1)


def run_ppo(seed: int, budget: float) -> dict:
    """SB3's PPO with RL Zoo's CartPole-v1 hyperparameters, evaluated like REINFORCE, on the same budget."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env

    start = time.perf_counter()
    state = {"eval": float("nan"), "n_evals": 0, "solved": False}

    class SolveCheck(BaseCallback):
        def _on_step(self) -> bool:  # False stops learn()
            return not state["solved"] and time.perf_counter() - start < budget

        def _on_rollout_end(self) -> None:
            recent = [info["r"] for info in self.model.ep_info_buffer]
            if len(recent) >= 10 and np.mean(recent[-10:]) >= TARGET:
                sampler = SB3Sampler(self.model.policy)
                with torch.no_grad():
                    state["eval"] = float(evaluate(sampler, ENV, 100, seed=10_000 + seed).mean())
                state["n_evals"] += 1
                state["solved"] = state["eval"] >= TARGET

    lin = lambda v: lambda progress: progress * v  # noqa: E731  # RL Zoo's linear schedules
    model = PPO("MlpPolicy", make_vec_env(ENV, n_envs=8, seed=seed), n_steps=32, batch_size=256, gae_lambda=0.8,
                gamma=0.98, n_epochs=20, ent_coef=0.0, learning_rate=lin(1e-3), clip_range=lin(0.2), seed=seed,
                device="cpu", verbose=0)
    model.learn(total_timesteps=10**6, callback=SolveCheck())
    seconds = time.perf_counter() - start
    iterations = model._n_updates // 20  # one iteration: a rollout of 8 x 32 steps, then 20 epochs of minibatches
    return {"seed": seed, "seconds": seconds, "env_steps": model.num_timesteps, "updates": iterations,
            "steps_per_s": model.num_timesteps / seconds, **state}


def records(rows: list[dict], budget: float, ppo_rows: list[dict] | None) -> list[dict]:
    """The JSON rows: time and environment steps to solve, medians over the solved seeds."""
    def solved(rs: list[dict], key: str) -> list[float]:
        return [r[key] for r in rs if r["solved"] and r["seconds"] <= budget]

    name = f"REINFORCE + value baseline, CartPole-v1 ({len(solved(rows, 'seed'))} of {len(rows)} seeds solved)"
    if ppo_rows is None:
        return [row(f"time to solve: {name}", "s", solved(rows, "seconds"), "the budget of each run", [budget]),
                row(f"environment steps to solve: {name}", "steps", solved(rows, "env_steps"))]
    ppo = f"Stable-Baselines3 PPO ({len(solved(ppo_rows, 'seed'))} of {len(ppo_rows)} seeds solved)"
    return [row(f"time to solve: {name}", "s", solved(rows, "seconds"), ppo, solved(ppo_rows, "seconds")),
            row(f"environment steps to solve: {name}", "steps", solved(rows, "env_steps"), ppo,
                solved(ppo_rows, "env_steps"))]


def print_table(name: str, rows: list[dict], budget: float) -> None:
    print(f"\n{name}: solved = mean return >= {TARGET:g} over 100 evaluation episodes, budget {budget:g} s")
    print(f"{'seed':>4} {'solved':>6} {'time s':>7} {'env steps':>9} {'updates':>7} {'steps/s':>8} {'evals':>5} "
          f"{'final eval':>10}")
    for r in rows:
        print(f"{r['seed']:>4} {'yes' if r['solved'] else 'no':>6} {r['seconds']:>7.1f} {r['env_steps']:>9d} "
              f"{r['updates']:>7d} {r['steps_per_s']:>8.0f} {r['n_evals']:>5d} {r['eval']:>10.1f}")
    ok = [r for r in rows if r["solved"] and r["seconds"] <= budget]
    times = np.array([r["seconds"] for r in ok])
    print(f"solved within {budget:g} s: {len(ok)} of {len(rows)} seeds"
          + (f"; time to solve median {np.median(times):.1f} s, max {times.max():.1f} s" if ok else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", "--repeats", type=int, default=5, help="runs, one per seed")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--n-envs", type=int, default=ReinforceConfig.n_envs, help="episodes per update")
    parser.add_argument("--lr", type=float, default=ReinforceConfig.lr)
    parser.add_argument("--ppo", action="store_true", help="also run Stable-Baselines3's PPO (if installed)")
    parser.add_argument("--write", action="store_true", help="write bench/results/reinforce_cartpole.json")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder of the JSON results")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # pay the one-time import outside the clock
    config = replace(ReinforceConfig(), target=TARGET, max_updates=10**6, max_seconds=args.budget,
                     n_envs=args.n_envs, lr=args.lr, n_threads=args.threads)
    print(f"REINFORCE recipe: {config}")
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    rows, ppo_rows = [run_reinforce(config, s) for s in seeds], None
    print_table("REINFORCE + value baseline (lmrl_utils.rl.policy_gradient)", rows, args.budget)
    if args.ppo:
        try:
            import stable_baselines3  # noqa: F401
        except ImportError:
            print("\nStable-Baselines3 is not installed: pip install stable-baselines3 to compare with its PPO")
        else:
            ppo_rows = [run_ppo(s, args.budget) for s in seeds]
            print_table("Stable-Baselines3 PPO (RL Zoo hyperparameters)", ppo_rows, args.budget)
    if args.write:
        write(result("reinforce_cartpole", records(rows, args.budget, ppo_rows)), args.results)


if __name__ == "__main__":
    main()
