"""Stand-ins for graded references in visible tests: objects with a reference's interface that are not exercises.

A visible test that needs a model to exercise the student's function (a GPT to train, a policy to update) cannot
build the reference, which the student build leaves out, and should not build the student's own, whose mistakes
would then fail a test about something else. So it builds one of these, loads the weights its snapshot saved,
and compares with the snapshot's expected values.

Example:
    >>> import torch
    >>> from lmrl_utils.lm.gpt import GPTConfig
    >>> lm = TinyLM(GPTConfig(vocab_size=5, block_size=4, d_model=8, n_layers=1, n_heads=1))
    >>> lm(torch.zeros(2, 4, dtype=torch.long)).shape
    torch.Size([2, 4, 5])
    >>> TinyPolicy(4, 2).log_prob(torch.zeros(3, 4), torch.tensor([0, 1, 1])).shape
    torch.Size([3])
"""

from __future__ import annotations

import torch
from torch import nn


class TinyLM(nn.Module):
    """GPT's interface (`config`, `forward(idx)` -> next-token logits) on an embedding, a LayerNorm and a linear
    head: a language model without attention, for the visible tests of train_step and train."""

    def __init__(self, config) -> None:
        super().__init__()
        self.config = config  # train reads config.block_size
        self.tok_emb = nn.Embedding(config.vocab_size, config.d_model)
        self.ln = nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.vocab_size)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """Logits (B, T, V) of the token after each of the ids idx (B, T), from that token alone."""
        return self.head(self.ln(self.tok_emb(idx)))  # (B, T, C) -> (B, T, V)


class TinyPolicy(nn.Module):
    """CategoricalPolicy's interface (`forward` -> logits, `log_prob`) on one linear layer (not the exercise's
    network), for the visible test of reinforce_update."""

    def __init__(self, obs_dim: int, n_actions: int) -> None:
        super().__init__()
        self.linear = nn.Linear(obs_dim, n_actions)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """The logits (B, A) of the action distribution for observations (B, obs_dim)."""
        return self.linear(obs)

    def log_prob(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """The log-probabilities (B,) of given actions (B,), with gradients."""
        return torch.distributions.Categorical(logits=self(obs)).log_prob(actions)


class RecordedTokenizer:
    """A stand-in for the reference Tokenizer in a visible test: its vocabulary, merges and special tokens, and the
    reference's ids of the texts the test encodes (with no merges and no special tokens, the ids of any text)."""

    def __init__(self, vocab: dict[int, bytes], merges: list, ids: dict[str, list[int]] | None = None,
                 special_tokens: list[str] | None = None) -> None:
        self.vocab, self.merges, self.special_tokens = vocab, merges, list(special_tokens or [])
        self._ids = ids or {}

    def encode(self, text: str) -> list[int]:
        """The reference's ids of `text`: byte values when there is nothing to merge, else the recorded ones."""
        if not self.merges and not self.special_tokens:
            return list(text.encode("utf-8"))
        if text not in self._ids:
            raise KeyError(f"this recorded tokenizer knows the ids of {len(self._ids)} texts only, not {text[:30]!r}")
        return list(self._ids[text])

    def decode(self, ids: list[int]) -> str:
        """The text of `ids` (a token may hold part of a UTF-8 character: replaced by U+FFFD)."""
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", errors="replace")
