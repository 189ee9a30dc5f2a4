"""How generation stops: an end-of-sequence token, stop strings, a length limit; and beam search whose hypotheses
may end, with the length normalisation that keeps it from preferring the shortest one.

A model learns to stop only if its training data shows where sequences end: documents joined by an end token
(GPT-2's `<|endoftext|>`) teach it to give that token high probability where a document is complete. Generation
then stops at the first of: the end token, a stop string in the decoded text (a string can end inside a BPE
token, so it is searched in text, not in token ids), or `max_new_tokens`.

Beam search that sets ended hypotheses aside compares sequences of different lengths by their total
log-probability, a sum of negative terms that only falls as a sequence grows: short hypotheses win. Dividing by
length**alpha {Wu et al. 2016} (alpha = 0: no correction, alpha = 1: the mean log-probability per token) corrects it.

Example:
    >>> length_normalised(-6.0, length=4, alpha=1.0)  # mean log-probability per token
    -1.5
    >>> length_normalised(-6.0, length=4, alpha=0.0)  # the raw sum
    -6.0
    >>> template_language_stream(2, np.random.default_rng(0))[1][:3]
    ['<pad>', 'The', 'a']
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from lmrl_utils.lm.gpt import GPT
from lmrl_utils.lm.toy_tasks import ADJECTIVES, OBJECTS, PLACES, SUBJECTS, VERBS, sample_sentence, vocabulary

EOS = "<eos>"


def template_language_stream(n_sentences: int, rng: np.random.Generator) -> tuple[torch.Tensor, list[str]]:
    """(ids (N,), vocab): sentences of `toy_tasks`' template language, each followed by an end token.

    The stream starts with the end token too, so it doubles as a beginning-of-sequence token (as in GPT-2): a
    model trained on it learns both what follows the end (a new sentence) and where a sentence is complete.
    """
    vocab = [*vocabulary(), EOS]
    stoi = {w: i for i, w in enumerate(vocab)}
    ids = [stoi[EOS]]
    for _ in range(n_sentences):
        ids += [stoi[w] for w in sample_sentence(rng)] + [stoi[EOS]]
    return torch.tensor(ids), vocab


def is_template_sentence(words: Sequence[str]) -> bool:
    """Whether `words` is a sentence the template language can produce (every dependency respected).

    Example: is_template_sentence("The dog is chasing a ball on the grass .".split()) -> True; with "are" -> False.
    """
    words = list(words)
    if len(words) == 10:
        words = words[:5] + [ADJECTIVES[0]] + words[5:]  # no adjective: check the rest as if there were one
    if len(words) != 11 or words[5] not in ADJECTIVES or words[0] != "The" or words[4] != "a":
        return False
    subject, aux, verb, obj, on, the, place, stop = words[1], words[2], words[3], *words[6:]
    if subject not in SUBJECTS or (on, the, stop) != ("on", "the", "."):
        return False
    return (aux == SUBJECTS[subject][0] and verb in VERBS[SUBJECTS[subject][1]] and obj in OBJECTS.get(verb, [])
            and place in PLACES.get(obj, []))


@dataclass
class Stopped:
    """The outcome of `generate_until`: the new tokens and why generation ended."""

    tokens: list[int]  # new token ids, up to and including the one that stopped generation
    reason: str  # "end token", "stop string" or "length"


@torch.no_grad()
def generate_until(
    model: GPT,
    prompt: torch.Tensor,
    max_new_tokens: int,
    end_ids: Collection[int] = (),
    stop_strings: Sequence[str] = (),
    decode: Callable[[list[int]], str] | None = None,
    temperature: float = 1.0,
    generator: torch.Generator | None = None,
) -> Stopped:
    """Sample (greedy for temperature 0) after `prompt` (T,) until an end token, a stop string or the length limit.

    A stop string is searched in `decode(new tokens)`, the text so far: it may end inside a token.
    """
    if stop_strings and decode is None:
        raise ValueError("stop_strings need decode, the tokenizer's ids -> text, to search the text")
    idx = prompt[None]  # (1, T)
    new: list[int] = []
    for _ in range(max_new_tokens):
        logits = model(idx[:, -model.config.block_size:])[0, -1]  # (V,)
        if temperature == 0:
            token = int(logits.argmax())
        else:
            token = int(torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1, generator=generator))
        new.append(token)
        if token in end_ids:
            return Stopped(new, "end token")
        if stop_strings and any(s in decode(new) for s in stop_strings):
            return Stopped(new, "stop string")
        idx = torch.cat([idx, torch.tensor([[token]])], dim=1)
    return Stopped(new, "length")


def length_normalised(score: float, length: int, alpha: float) -> float:
    """score / length**alpha: the beam-search score of a hypothesis of `length` new tokens, total log-prob `score`."""
    return score / length**alpha


Hypothesis = tuple[list[int], float]  # (new token ids, total log-probability of those tokens)


@torch.no_grad()
def beam_hypotheses(
    model: GPT, prompt: torch.Tensor, max_new_tokens: int, beam_width: int, end_ids: Collection[int]
) -> tuple[list[Hypothesis], list[Hypothesis]]:
    """(finished, live) hypotheses of a beam search after `prompt` (T,) in which a token of `end_ids` ends one.

    Live beams are ranked by total log-probability (as in `decoding.beam_search`); a candidate that ends, when it
    ranks among the best `beam_width`, is set aside as finished, and the live beams are refilled from the next
    candidates. Runs max_new_tokens steps (or until no beam is live); live hypotheses come best first.
    """
    beams = prompt[None]  # (n_live, T + steps)
    scores = torch.zeros(1)  # (n_live,) total log-probability of each live beam's new tokens
    finished: list[Hypothesis] = []
    T = len(prompt)
    for _ in range(max_new_tokens):
        log_probs = torch.log_softmax(model(beams[:, -model.config.block_size:])[:, -1], dim=-1)  # (n_live, V)
        V = log_probs.shape[-1]
        candidates = (scores[:, None] + log_probs).flatten()  # (n_live * V,)
        top = torch.topk(candidates, min(2 * beam_width, candidates.numel()))  # enough to refill after endings
        keep_parent, keep_token, keep_score = [], [], []
        for rank, (flat, value) in enumerate(zip(top.indices.tolist(), top.values.tolist(), strict=True)):
            parent, token = divmod(flat, V)
            if token in end_ids:
                if rank < beam_width:
                    finished.append((beams[parent, T:].tolist() + [token], value))
            elif len(keep_parent) < beam_width:
                keep_parent.append(parent)
                keep_token.append(token)
                keep_score.append(value)
        if not keep_parent:
            return finished, []
        beams = torch.cat([beams[keep_parent], torch.tensor(keep_token)[:, None]], dim=1)
        scores = torch.tensor(keep_score)
    return finished, [(row[T:].tolist(), s) for row, s in zip(beams, scores.tolist(), strict=True)]


def best_hypothesis(finished: list[Hypothesis], live: list[Hypothesis], alpha: float) -> Hypothesis:
    """The finished hypothesis (the live ones if none finished) with the best total / length**alpha."""
    pool = finished or live
    return max(pool, key=lambda h: length_normalised(h[1], len(h[0]), alpha))


def beam_search_with_end(
    model: GPT, prompt: torch.Tensor, max_new_tokens: int, beam_width: int, end_ids: Collection[int],
    alpha: float = 0.0,
) -> tuple[list[int], float, bool]:
    """Beam search whose hypotheses end at a token of `end_ids`, answered by length-normalised score.

    Returns (new tokens, their total log-probability, whether the answer ended with an end token).
    """
    finished, live = beam_hypotheses(model, prompt, max_new_tokens, beam_width, end_ids)
    tokens, score = best_hypothesis(finished, live, alpha)
    return tokens, score, bool(finished)
