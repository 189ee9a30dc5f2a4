"""Chapter 7's verifiable reward: a program checks each completion; the base model passes sometimes, not always."""

import pytest
import torch

from lmrl_utils.lm.pretrained import pretrained
from lmrl_utils.rlhf.data import PROMPT_LEN
from lmrl_utils.rlhf.tuning import TuneConfig, tune
from lmrl_utils.rlhf.verifiable import (
    checker_reward,
    ends_a_sentence,
    one_line_with_full_stop,
    sample_texts,
    success_rate,
)

pytestmark = [pytest.mark.chapter("07_rlhf"), pytest.mark.usefixtures("one_torch_thread")]


@pytest.mark.parametrize(("text", "passes"), [
    (" returns the value. It", True), (" see os.path", True), (" no stop here", False),
    (" two lines.\n here", False), ("\n", False), (".", True)])
def test_the_check_is_literal(text, passes):
    assert one_line_with_full_stop(text) is passes


def test_the_audit_wants_a_dictionary_word_before_the_full_stop():
    words = frozenset({"value", "returns"})
    assert ends_a_sentence(" returns the value. It", words)
    assert ends_a_sentence(" returns the value.", words)
    assert not ends_a_sentence(" see os.path", words)  # the literal check passes this one
    assert not ends_a_sentence(".ra.ra. x.", words)
    assert not ends_a_sentence(" the value.\n", words)


def test_the_reward_is_binary_and_reads_only_the_completion():
    _, tok, _ = pretrained("english")
    prompt = tok.encode("This is the prompt. It has a full stop")[:PROMPT_LEN]
    assert len(prompt) == PROMPT_LEN
    rows = [prompt + tok.encode(" a word and then a stop."), prompt + tok.encode(" no stop at all")]
    width = min(len(r) for r in rows)
    tokens = torch.tensor([r[:width] for r in rows])  # (2, T)
    reward = checker_reward(tok)(tokens)
    assert reward.shape == (2,) and set(reward.tolist()) <= {0.0, 1.0}
    assert reward[1] == 0.0  # the prompt's own full stop does not count


def test_the_base_model_passes_sometimes_but_not_always():
    model, tok, _ = pretrained("english")
    rate = success_rate(sample_texts(model, tok, n=200, seed=3))
    assert 0.02 < rate < 0.5, f"base success rate {rate}: the task should be neither impossible nor solved"


def test_tuning_against_the_check_runs_and_reports_a_success_rate():
    _, tok, _ = pretrained("english")
    _, history = tune(checker_reward(tok), TuneConfig(beta=0.1, updates=2, n_prompts=4, evaluate_every=2,
                                                      n_eval_prompts=4), seed=0)
    assert [h["update"] for h in history] == [0, 2]
    assert all(0.0 <= h["proxy"] <= 1.0 for h in history)
