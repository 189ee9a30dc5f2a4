"""Chapter 7's DPO module: the closed-form optimum of the KL-regularised objective and the DPO training loop."""

import pytest
import torch

from lmrl_utils.lm.pretrained import pretrained
from lmrl_utils.rlhf.data import PROMPT_LEN, preference_data
from lmrl_utils.rlhf.dpo import DPOConfig, implicit_accuracy, optimal_policy, regularised_objective, train_dpo
from lmrl_utils.rlhf.rlhf import dpo_loss, sequence_log_probs
from lmrl_utils.seeding import torch_generator

pytestmark = [pytest.mark.chapter("07_rlhf"), pytest.mark.usefixtures("one_torch_thread")]


def _toy(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch_generator(seed)
    ref = torch.softmax(torch.randn(4, 6, generator=g, dtype=torch.float64), -1)  # (X, Y)
    return ref, torch.randn(4, 6, generator=g, dtype=torch.float64)


@pytest.mark.parametrize("beta", [0.1, 1.0, 10.0])
def test_optimal_policy_beats_random_policies_and_recovers_the_reward(beta):
    ref, reward = _toy()
    best = optimal_policy(ref, reward, beta)
    assert torch.allclose(best.sum(-1), torch.ones(4, dtype=torch.float64))
    log_z = torch.logsumexp(ref.log() + reward / beta, -1, keepdim=True)
    assert torch.allclose(beta * (best.log() - ref.log()) + beta * log_z, reward, atol=1e-9)
    others = torch.distributions.Dirichlet(torch.ones(6, dtype=torch.float64)).sample((500, 4))
    assert (regularised_objective(best, ref, reward, beta) >= regularised_objective(others, ref, reward, beta)).all()


def test_optimal_policy_limits():
    ref, reward = _toy(1)
    assert torch.allclose(optimal_policy(ref, reward, 1e6), ref, atol=1e-5)  # huge β: stay at the reference
    greedy = optimal_policy(ref, reward, 1e-4)  # tiny β: all mass on the best response
    assert torch.equal(greedy.argmax(-1), reward.argmax(-1)) and (greedy.max(-1).values > 0.99).all()


def test_implicit_accuracy_of_the_reference_is_zero_because_ties_count_as_wrong():
    model, _, _ = pretrained("english")
    prefs = preference_data()
    assert implicit_accuracy(model, model, prefs["val_chosen"][:20], prefs["val_rejected"][:20]) == 0.0


def test_a_short_dpo_run_moves_the_policy_and_lowers_the_loss_on_training_pairs():
    config = DPOConfig(steps=8, batch_size=32, evaluate_every=8, n_eval_prompts=4)
    policy, history = train_dpo(config, seed=0)
    assert [h["step"] for h in history] == [0, 8]
    assert history[0]["kl"] == pytest.approx(0.0, abs=1e-5)  # the untrained policy is the reference
    reference, _, _ = pretrained("english")
    prefs = preference_data()
    chosen, rejected = prefs["chosen"][:256], prefs["rejected"][:256]
    with torch.no_grad():
        loss = dpo_loss(*(sequence_log_probs(m, t, PROMPT_LEN) for m, t in
                          ((policy, chosen), (policy, rejected), (reference, chosen), (reference, rejected))),
                        beta=config.beta)
    assert loss.item() < 0.6931, f"DPO loss on training pairs {loss.item():.4f}: not below ln 2 after 8 steps"
