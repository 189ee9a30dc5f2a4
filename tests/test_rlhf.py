"""Unit tests of Chapter 7's graded references (lmrl_utils.rlhf.rlhf), on tiny models: seconds, not minutes."""

import copy
import itertools
import math

import pytest
import torch

from lmrl_utils.lm.gpt import GPT, GPTConfig
from lmrl_utils.rlhf.rlhf import (
    RewardModel,
    bradley_terry_loss,
    dpo_loss,
    kl_penalised_rewards,
    rlhf_update,
    sequence_log_probs,
    train_reward_model,
)

pytestmark = pytest.mark.chapter("07_rlhf")


def tiny_gpt(vocab_size: int = 5, seed: int = 0, d_model: int = 8) -> GPT:
    """A small random GPT whose parameters are perturbed so its distributions are far from uniform."""
    torch.manual_seed(seed)
    model = GPT(GPTConfig(vocab_size=vocab_size, block_size=16, d_model=d_model, n_layers=1, n_heads=2))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return model


def log_probs_by_prefix(model: GPT, tokens: torch.Tensor, prompt_len: int) -> torch.Tensor:
    """ln π(completion), one prefix at a time (an independent computation), float64 (B,)."""
    total = torch.zeros(tokens.shape[0], dtype=torch.float64)
    for t in range(prompt_len, tokens.shape[1]):
        logp = torch.log_softmax(model(tokens[:, :t]).double()[:, -1], -1)
        total += logp.gather(-1, tokens[:, t:t + 1]).squeeze(-1)
    return total


def test_bradley_terry_loss_matches_its_formula_and_is_stable():
    gen = torch.Generator().manual_seed(0)
    chosen, rejected = 3 * torch.randn(50, generator=gen), 3 * torch.randn(50, generator=gen)
    expected = torch.log1p(torch.exp(-(chosen.double() - rejected.double()))).mean()
    assert bradley_terry_loss(chosen, rejected).item() == pytest.approx(expected.item(), abs=1e-5)
    assert bradley_terry_loss(torch.zeros(4), torch.zeros(4)).item() == pytest.approx(math.log(2))
    assert bradley_terry_loss(torch.tensor([-200.0]), torch.tensor([0.0])).item() == pytest.approx(200.0)


def test_bradley_terry_gradient_raises_the_chosen_score():
    chosen, rejected = torch.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
    bradley_terry_loss(chosen, rejected).backward()
    assert (chosen.grad < 0).all() and (rejected.grad > 0).all()


def test_reward_model_starts_at_zero_and_sums_completion_scores():
    gpt = tiny_gpt()
    saved = copy.deepcopy(gpt.state_dict())
    tokens = torch.randint(5, (4, 10), generator=torch.Generator().manual_seed(1))
    rm = RewardModel(gpt, prompt_len=3)
    assert torch.equal(rm(tokens), torch.zeros(4))
    with torch.no_grad():
        rm.head.weight.normal_()
        rm.head.bias.fill_(0.5)
        x = gpt.tok_emb(tokens) + gpt.pos_emb(torch.arange(10))
        for block in gpt.blocks:
            x = block(x)
        expected = rm.head(gpt.ln_f(x)[:, 3:]).squeeze(-1).sum(-1)  # (4,)
        torch.testing.assert_close(rm(tokens), expected)
    rm(tokens).sum().backward()
    torch.optim.SGD(rm.parameters(), lr=1.0).step()
    assert all(torch.equal(v, saved[k]) for k, v in gpt.state_dict().items()), "the source model moved"


def test_train_reward_model_takes_exact_adam_steps_on_identical_pairs():
    rm = RewardModel(tiny_gpt(), prompt_len=2)
    chosen = torch.tensor([[1, 2, 3, 3, 4]]).repeat(5, 1)
    rejected = torch.tensor([[1, 2, 0, 0, 0]]).repeat(5, 1)
    expected_rm = copy.deepcopy(rm)
    optimizer = torch.optim.Adam(expected_rm.parameters(), lr=1e-2)
    expected = []
    for _ in range(4):
        loss = bradley_terry_loss(expected_rm(chosen[:1]), expected_rm(rejected[:1]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        expected.append(loss.item())
    losses = train_reward_model(rm, chosen, rejected, steps=4, batch_size=3, lr=1e-2,
                                generator=torch.Generator().manual_seed(2))
    assert losses == pytest.approx(expected, abs=1e-6)
    assert losses[0] == pytest.approx(math.log(2))


def test_train_reward_model_learns_a_preference_for_a_token():
    gen = torch.Generator().manual_seed(3)
    chosen = torch.randint(5, (200, 8), generator=gen)
    rejected = torch.randint(5, (200, 8), generator=gen)
    count = lambda t: (t[:, 2:] == 4).sum(-1)  # noqa: E731  the preferred completions hold more 4s
    swap = count(chosen) < count(rejected)
    chosen, rejected = torch.where(swap[:, None], rejected, chosen), torch.where(swap[:, None], chosen, rejected)
    rm = RewardModel(tiny_gpt(d_model=16), prompt_len=2)
    train_reward_model(rm, chosen, rejected, steps=60, batch_size=32, lr=1e-2, generator=gen)
    with torch.no_grad():
        differ = count(chosen) != count(rejected)
        accuracy = (rm(chosen[differ]) > rm(rejected[differ])).float().mean().item()
    assert accuracy > 0.9


@pytest.mark.parametrize("prompt_len", [1, 4, 9])
def test_sequence_log_probs_counts_the_completion_only(prompt_len):
    model = tiny_gpt(seed=prompt_len)
    tokens = torch.randint(5, (3, 10), generator=torch.Generator().manual_seed(prompt_len))
    out = sequence_log_probs(model, tokens, prompt_len)
    assert out.requires_grad
    torch.testing.assert_close(out.double(), log_probs_by_prefix(model, tokens, prompt_len), atol=1e-4, rtol=1e-4)


def test_kl_penalised_rewards_subtracts_the_penalty_and_is_detached():
    log_probs = torch.tensor([-1.0, -4.0], requires_grad=True)
    out = kl_penalised_rewards(torch.tensor([1.0, 2.0]), log_probs, torch.tensor([-2.0, -2.0]), beta=0.5)
    torch.testing.assert_close(out, torch.tensor([0.5, 3.0]))
    assert not out.requires_grad


def exact_objective_gradient(policy: GPT, reference: GPT, prompt: torch.Tensor, reward_fn, beta: float,
                             n_new: int) -> torch.Tensor:
    """∇θ (E[r] - β KL(π_θ ‖ π_ref)) for one prompt, by enumerating every completion (float64, flat)."""
    V = policy.config.vocab_size
    ys = torch.tensor(list(itertools.product(range(V), repeat=n_new)))
    seqs = torch.cat([prompt.expand(len(ys), -1), ys], 1)
    lp = sequence_log_probs(policy, seqs, prompt.shape[1]).double()
    lp_ref = sequence_log_probs(reference, seqs, prompt.shape[1]).double().detach()
    rho = (lp.exp() * (reward_fn(seqs).double() - beta * (lp - lp_ref))).sum()
    return torch.cat([g.flatten() for g in torch.autograd.grad(rho, list(policy.parameters()))])


@pytest.mark.parametrize("reward_scale, beta, n_samples", [(0.0, 0.2, 2), (0.2, 0.1, 4)])
def test_rlhf_update_follows_the_exact_gradient(reward_scale, beta, n_samples):
    """One SGD step averages 2000 samples: its relative error to lr × ∇ρ measures about 0.05 (0.5 without the
    leave-one-out baseline at K = 2); the bound 0.3 is far from both."""
    reference = tiny_gpt(vocab_size=3, seed=5).requires_grad_(False)
    policy = copy.deepcopy(reference).requires_grad_(True)
    with torch.no_grad():
        for p in policy.parameters():
            p.add_(0.1 * torch.randn_like(p))
    table = reward_scale * torch.randn(9)
    reward_fn = lambda tokens: table[tokens[:, -2] * 3 + tokens[:, -1]]  # noqa: E731
    prompt = torch.tensor([[2, 0]])
    exact = exact_objective_gradient(policy, reference, prompt, reward_fn, beta, n_new=2)
    before = torch.cat([p.detach().flatten() for p in policy.parameters()])
    saved = copy.deepcopy(reference.state_dict())
    out = rlhf_update(policy, reference, reward_fn, torch.optim.SGD(policy.parameters(), lr=0.01),
                      prompt.expand(2000 // n_samples, -1).contiguous(), n_samples, 2, beta,
                      torch.Generator().manual_seed(6))
    step = (torch.cat([p.detach().flatten() for p in policy.parameters()]) - before).double() / 0.01
    assert ((step - exact).norm() / exact.norm()).item() < 0.3
    assert all(torch.equal(v, saved[k]) for k, v in reference.state_dict().items())
    assert set(out) == {"reward", "kl", "penalised"}


def test_rlhf_update_reports_zero_kl_while_the_policy_equals_the_reference():
    reference = tiny_gpt(seed=7).requires_grad_(False)
    policy = copy.deepcopy(reference).requires_grad_(True)
    out = rlhf_update(policy, reference, lambda tokens: tokens[:, -1].float(), torch.optim.Adam(policy.parameters()),
                      torch.zeros(3, 2, dtype=torch.long), 4, 3, 0.1, torch.Generator().manual_seed(8))
    assert out["kl"] == pytest.approx(0.0, abs=1e-6)
    assert out["penalised"] == pytest.approx(out["reward"])


def test_dpo_loss_is_bradley_terry_on_the_implicit_rewards():
    gen = torch.Generator().manual_seed(9)
    lw, ll, rw, rl = (-10 * torch.rand(20, generator=gen) for _ in range(4))
    beta = 0.3
    torch.testing.assert_close(dpo_loss(lw, ll, rw, rl, beta), bradley_terry_loss(beta * (lw - rw), beta * (ll - rl)))
    ref_chosen = rw.clone().requires_grad_(True)
    chosen = lw.clone().requires_grad_(True)
    dpo_loss(chosen, ll, ref_chosen, rl, beta).backward()
    assert ref_chosen.grad is None and (chosen.grad < 0).all()
