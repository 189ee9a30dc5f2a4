"""Chapter 7's landing-page helpers: the length proxy counts the completion's characters and nothing else."""

import pytest
import torch

from lmrl_utils.lm.pretrained import pretrained_tokenizer
from lmrl_utils.rlhf.data import PROMPT_LEN
from lmrl_utils.rlhf.proxy_rewards import length_reward

pytestmark = pytest.mark.chapter("07_rlhf")


def test_length_reward_counts_completion_characters_only():
    tok = pretrained_tokenizer("english")
    prompt = tok.encode("A long prompt that must not count towards the length at all.")[:PROMPT_LEN]
    short, long = tok.encode(" a"), tok.encode(" a much longer completion")
    reward = length_reward(tok)
    scores = reward(torch.tensor([prompt + short + short, prompt + long[:2]]))  # (2,)
    assert scores.shape == (2,)
    assert scores[0].item() == len(tok.decode(short + short))
    assert scores[1].item() == len(tok.decode(long[:2]))


def test_accuracy_by_pairs_keeps_sizes_and_seeds_in_order(monkeypatch):
    from lmrl_utils.rlhf import reward_curves

    monkeypatch.setattr(reward_curves, "held_out_accuracy", lambda n, seed: n + seed / 10)  # no training
    monkeypatch.setattr(reward_curves.data, "preference_data", lambda: None)
    monkeypatch.setattr(reward_curves, "load_or_build", lambda path, build: build())  # nothing cached
    curves = reward_curves.accuracy_by_pairs(sizes=(10, 30), seeds=(0, 1, 2), workers=1)
    assert curves == {10: [10.0, 10.1, 10.2], 30: [30.0, 30.1, 30.2]}
