"""Unit tests of Chapter 6's page helpers: PPO's clipped loss and loop, bandit REINFORCE runs, cached curves."""

import math

import numpy as np
import pytest
import torch

from lmrl_utils.rl.pg_bandit import bandit_reinforce, leave_in_baseline_gradients
from lmrl_utils.rl.pg_exact import bandit_gradient_exact
from lmrl_utils.rl.pg_experiments import learning_curves, on_grid
from lmrl_utils.rl.policy_gradient import ReinforceConfig, reinforce_loss
from lmrl_utils.rl.ppo import PPOConfig, ppo, ppo_clip_loss

pytestmark = pytest.mark.chapter("06_policy_gradients")


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_ppo_loss_at_the_old_policy_has_the_reinforce_gradient():
    logits = torch.randn(5, 3, generator=gen(0), requires_grad=True)
    actions = torch.tensor([0, 2, 1, 1, 0])
    adv = torch.randn(5, generator=gen(1))
    lp = torch.log_softmax(logits, -1)[torch.arange(5), actions]
    g_ppo, = torch.autograd.grad(ppo_clip_loss(lp, lp.detach(), adv), logits, retain_graph=True)
    g_pg, = torch.autograd.grad(reinforce_loss(lp, adv, n_episodes=5), logits)
    torch.testing.assert_close(g_ppo, g_pg)


@pytest.mark.parametrize("advantage, moves", [(1.0, False), (-1.0, True)])
def test_clipping_stops_only_the_push_beyond_the_trust_region(advantage, moves):
    old = torch.log(torch.tensor([0.5]))
    new = torch.log(torch.tensor([0.8])).requires_grad_(True)  # ratio 1.6 > 1 + 0.2
    ppo_clip_loss(new, old, torch.tensor([advantage]), clip=0.2).backward()
    assert (new.grad.abs() > 0).item() == moves  # more of a good action earns nothing; a bad one is still pushed down


def test_unclipped_loss_is_the_importance_weighted_objective():
    old = torch.log(torch.tensor([0.5, 0.25]))
    new = torch.log(torch.tensor([0.9, 0.1]))
    adv = torch.tensor([1.0, 2.0])
    expected = -(torch.exp(new - old) * adv).mean()
    torch.testing.assert_close(ppo_clip_loss(new, old, adv, clip=math.inf), expected)


def test_ppo_runs_and_repeats():
    config = PPOConfig(n_envs=2, max_updates=3)
    _, h1 = ppo("CartPole-v1", config, seed=3)
    _, h2 = ppo("CartPole-v1", config, seed=3)
    assert [h["mean_return"] for h in h1] == [h["mean_return"] for h in h2]
    assert all(0 <= h["clip_fraction"] <= 1 for h in h1) and h1[-1]["env_steps"] > 0


def test_bandit_reinforce_with_a_running_baseline_finds_the_best_arm():
    out = bandit_reinforce(torch.tensor([10.0, 11.0, 12.0]), 0.1, 300, 200, gen(0), baseline="running")
    assert out["expected_reward"].shape == (300, 200) and out["pi"].shape == (200, 3)
    assert (out["pi"].argmax(-1) == 2).float().mean() > 0.9  # seeded; observed 0.96 over 500 runs


def test_a_baseline_with_the_episode_in_it_shrinks_the_gradient_by_n_minus_1_over_n():
    theta, means = torch.tensor([0.5, -0.3, 0.1]), torch.tensor([10.0, 11.0, 12.0])
    exact = bandit_gradient_exact(theta, means)
    for leave_out, factor in ((False, 0.75), (True, 1.0)):
        g = leave_in_baseline_gradients(theta, means, 40_000, 4, gen(5), leave_out)
        torch.testing.assert_close(g.mean(0)[[0, 2]] / exact[[0, 2]], torch.full((2,), factor), atol=0.04, rtol=0)


def test_learning_curves_are_built_once_then_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("LMRL_CACHE", str(tmp_path))
    runs = {"tiny": ("reinforce", ReinforceConfig(n_envs=2, max_updates=2))}
    first = learning_curves(runs, seeds=(0, 1), workers=1)
    assert len(list(tmp_path.glob("pg-curves-*.pt"))) == 1
    again = learning_curves(runs, seeds=(0, 1), workers=1)
    np.testing.assert_array_equal(first["tiny"][1]["mean_return"], again["tiny"][1]["mean_return"])
    np.testing.assert_array_equal(first["tiny"][0]["episodes"], [2, 4])
    assert on_grid(first["tiny"], np.array([2, 4])).shape == (2, 2)
