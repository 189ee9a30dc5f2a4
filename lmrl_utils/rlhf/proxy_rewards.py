"""Naive hand-written rewards for Chapter 7's landing page: what "score the text by a simple feature" leads to.

A reward that counts an easy feature of the text (here its length in characters) looks like a fair stand-in for
"a good answer" until a policy is tuned on it: the policy finds the cheapest way to raise the count, which is
rarely the way a reader would want. The page tunes Chapter 3's model on it with `tuning.tune` and watches the
hidden annotator's reward r* while the proxy climbs.

Example:
    >>> from lmrl_utils.lm.pretrained import pretrained_tokenizer
    >>> tok = pretrained_tokenizer("english")
    >>> prompt = tok.encode("The cat sat. The dog ran away.")[:8]
    >>> reward = length_reward(tok)
    >>> tokens = torch.tensor([prompt + tok.encode(" and then")])   # (1, 8 + completion)
    >>> reward(tokens).tolist()   # " and then" is 9 characters
    [9.0]
"""

from __future__ import annotations

import torch

from lmrl_utils.lm.tokenization import Tokenizer
from lmrl_utils.rlhf.data import PROMPT_LEN, completions
from lmrl_utils.rlhf.tuning import RewardFn


def length_reward(tok: Tokenizer, prompt_len: int = PROMPT_LEN) -> RewardFn:
    """tokens (B, T) -> the number of characters of each completion (B,): "longer answers are better"."""
    return lambda tokens: torch.tensor([float(len(t)) for t in completions(tok, tokens, prompt_len)])
