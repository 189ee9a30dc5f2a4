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
