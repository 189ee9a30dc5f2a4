"""Chapter 7's offline annotator, preference data, trained reward model and RLHF loop (lmrl_utils.rlhf)."""

import copy

import numpy as np
import pytest
import torch

from lmrl_utils.lm.pretrained import pretrained
from lmrl_utils.rlhf.data import (
    COMPLETION_LEN,
    PROMPT_LEN,
    completions,
    labeller,
    preference_data,
    sample_prompts,
    true_reward_fn,
)
from lmrl_utils.rlhf.preferences import Labeller, dictionary, noise_ceiling
from lmrl_utils.rlhf.reward_models import preference_accuracy, trained_reward_model
from lmrl_utils.rlhf.tuning import TuneConfig, distinct_n, tune
from lmrl_utils.seeding import torch_generator

pytestmark = [pytest.mark.chapter("07_rlhf"), pytest.mark.usefixtures("one_torch_thread")]


def test_the_dictionary_is_counted_from_the_corpus():
    words = dictionary()
    assert {"the", "function", "value"} <= words
    assert all(len(w) >= 2 and w.islower() and w.isalpha() for w in words)
    assert len(dictionary(min_count=1)) > len(words) > len(dictionary(min_count=50))


@pytest.mark.parametrize("text, expected", [
    ("the value", 2.0),  # two distinct real words
    ("The the THE", -1.0),  # one word (case folded), repeated twice
    ("qzxv value", 1.0),  # a non-word costs nothing, a real word earns 1
    ("value = 3;", -0.5),  # three symbols at 0.5 each
    ("", 0.0),
])
def test_true_reward_counts_words_repeats_and_symbols(text, expected):
    assert Labeller.from_corpus().score(text) == expected


def test_bradley_terry_choices_follow_their_probability():
    judge = Labeller.from_corpus(temperature=2.0)
    a, b = torch.full((20000,), 1.0), torch.zeros(20000)
    p = float(torch.sigmoid(torch.tensor(0.5)))  # σ((1 - 0) / 2)
    wins = judge.compare(a, b, np.random.default_rng(0)).float().mean().item()
    assert abs(wins - p) < 4 * (p * (1 - p) / 20000) ** 0.5  # a 4-sigma band: fails with probability < 1e-4


def test_noise_ceiling_is_the_accuracy_of_the_true_reward():
    judge = Labeller.from_corpus()
    ra, rb = torch.tensor([3.0, 0.0, -1.0]), torch.tensor([0.0, 0.0, 2.0])
    p = torch.sigmoid(ra - rb)
    assert noise_ceiling(judge, ra, rb) == pytest.approx(float(torch.maximum(p, 1 - p).mean()))
    rng = np.random.default_rng(1)
    ra, rb = torch.randn(50000) * 3, torch.randn(50000) * 3
    hits = (judge.compare(ra, rb, rng) == (ra > rb)).float().mean().item()  # r* itself as the reward model
    assert abs(hits - noise_ceiling(judge, ra, rb)) < 0.01


def test_prompts_are_windows_of_the_text_and_repeatable():
    a, b = sample_prompts(5, torch_generator(3)), sample_prompts(5, torch_generator(3))
    assert a.shape == (5, PROMPT_LEN) and torch.equal(a, b)
    assert not torch.equal(sample_prompts(5, torch_generator(3), "val"), a)


def test_preference_data_is_labelled_by_the_annotator():
    data = preference_data()
    n, T = data["chosen"].shape
    assert T == PROMPT_LEN + COMPLETION_LEN and data["val_chosen"].shape[1] == T
    assert torch.equal(data["chosen"][:, :PROMPT_LEN], data["rejected"][:, :PROMPT_LEN]), "a pair shares its prompt"
    _, tok, _ = pretrained("english")
    judge = labeller()
    for key in ("chosen", "rejected"):
        assert torch.equal(judge.reward(completions(tok, data[key][:50])), data["true_" + key][:50])
    agree = (data["val_true_chosen"] > data["val_true_rejected"]).float().mean().item()
    assert 0.5 < data["ceiling"] < 1.0 and abs(agree - data["ceiling"]) < 0.06  # 500 pairs: ± 3 sigma


def test_trained_reward_model_is_frozen_and_better_than_chance():
    model, info = trained_reward_model()
    data = preference_data()
    assert not any(p.requires_grad for p in model.parameters())
    assert info["val_accuracy"] == pytest.approx(preference_accuracy(model, data["val_chosen"], data["val_rejected"]))
    assert 0.65 < info["val_accuracy"] <= info["ceiling"] + 0.05
    assert info["losses"][-1] < info["losses"][0] == pytest.approx(np.log(2))


def test_distinct_n_counts_repeated_word_pairs():
    assert distinct_n(["a b c d"], 2) == 1.0
    assert distinct_n(["a a a a"], 2) == pytest.approx(1 / 3)
    assert distinct_n([""], 2) == 0.0


def test_tune_measures_and_leaves_the_reference_untouched():
    reference, tok, _ = pretrained("english")
    before = copy.deepcopy(reference.state_dict())
    config = TuneConfig(beta=0.1, updates=2, n_prompts=2, n_samples=2, evaluate_every=1, n_eval_prompts=4)
    reward = true_reward_fn(labeller(), tok)
    policy, history = tune(reward, config, seed=0)
    assert [h["update"] for h in history] == [0, 1, 2]
    assert {"proxy", "true", "kl", "distinct2"} <= set(history[-1])
    assert history[0]["kl"] == 0.0 and history[0]["proxy"] == history[0]["true"]
    after = pretrained("english")[0].state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert any(not torch.equal(p, before[k]) for k, p in policy.state_dict().items())
    _, again = tune(reward, config, seed=0)
    assert again == history, "a run is a function of its seed"
