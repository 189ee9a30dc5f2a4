"""RLHF on the course's own language model: the reference code of Chapter 7's graded exercises.

Read it top to bottom: the Bradley–Terry loss that turns comparisons into a reward model, the reward model (a
scalar head on Chapter 3's transformer), its training loop, the log-probability of a completion under a policy,
the KL-penalised reward, one policy-gradient update of the language model (Chapter 6's `reinforce_loss` with a
leave-one-out baseline) and the DPO loss. A sequence is a prompt of `prompt_len` tokens followed by a completion;
every sequence of a batch has the same length, so no padding is needed.

Example:
    >>> bradley_terry_loss(torch.tensor([2.0]), torch.tensor([0.0])).item()   # -ln σ(2)
    0.12692801654338837
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from lmrl_utils.lm.decoding import generate
from lmrl_utils.lm.gpt import GPT
from lmrl_utils.rl.policy_gradient import reinforce_loss

# The graded items of this module: a graded exercise may use none of them (lmrl_utils.grading.provenance).
GRADED = ("bradley_terry_loss", "RewardModel", "train_reward_model", "sequence_log_probs",
          "kl_penalised_rewards", "rlhf_update", "dpo_loss")


def bradley_terry_loss(chosen: torch.Tensor, rejected: torch.Tensor) -> torch.Tensor:
    """-mean ln σ(r(x, y_w) - r(x, y_l)): the negative log-likelihood of the labeller's choices under
    Bradley–Terry, so minimising it makes preferred completions score higher (the slides drop the minus sign).

    chosen, rejected (B,): reward-model scores of the preferred and the other completion of each pair.
    >>> bradley_terry_loss(torch.zeros(3), torch.zeros(3)).item()   # no preference yet: ln 2
    0.6931471824645996
    """
    return -F.logsigmoid(chosen - rejected).mean()  # logsigmoid is stable where σ underflows


class RewardModel(nn.Module):
    """A reward model r(x, y): a copy of a pretrained GPT's trunk and a linear head that scores each completion
    token; r is the sum of those scores over the completion.

    Each completion position has attended to the prompt and to the completion so far, so its score can depend on
    both; summing makes a longer good answer worth more, like the annotator's r*, which adds up words (reading only
    the last position, as InstructGPT does, generalised less well on this chapter's preference pairs).
    forward: tokens (B, T) -> scores (B,). The copy leaves the language model it was made from untouched.
    """

    def __init__(self, gpt: GPT, prompt_len: int) -> None:
        super().__init__()
        self.trunk = copy.deepcopy(gpt)  # its own weights: training the reward model must not move the policy
        self.head = nn.Linear(gpt.config.d_model, 1)
        self.prompt_len = prompt_len
        nn.init.zeros_(self.head.weight)  # every completion scores 0 before training
        nn.init.zeros_(self.head.bias)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens (B, T) = prompt (B, prompt_len) + completion -> one score per sequence (B,)."""
        trunk = self.trunk
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        x = trunk.tok_emb(tokens) + trunk.pos_emb(positions)  # (B, T, d_model)
        for block in trunk.blocks:
            x = block(x)
        x = trunk.ln_f(x)  # (B, T, d_model): the vectors the language head would read
        scores = self.head(x[:, self.prompt_len:]).squeeze(-1)  # (B, T - prompt_len): one per completion token
        return scores.sum(-1)  # (B,)


def train_reward_model(model: RewardModel, chosen: torch.Tensor, rejected: torch.Tensor, steps: int = 200,
                       batch_size: int = 64, lr: float = 1e-3, generator: torch.Generator | None = None
                       ) -> list[float]:
    """Fit the reward model to preference pairs with Adam on the Bradley–Terry loss; returns each step's loss.

    chosen, rejected (N, T): the preferred and the other sequence (prompt + completion) of N pairs. Each step
    draws `batch_size` pairs at random (through `generator`).
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        idx = torch.randint(len(chosen), (batch_size,), generator=generator)  # (b,) pairs of this step
        loss = bradley_terry_loss(model(chosen[idx]), model(rejected[idx]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return losses


def sequence_log_probs(model: nn.Module, tokens: torch.Tensor, prompt_len: int) -> torch.Tensor:
    """ln π(y | x) = Σ_{t ≥ prompt_len} ln π(token_t | tokens_<t): the log-probability of the completion only.

    tokens (B, T) = prompt (B, prompt_len) followed by the completion; returns (B,), with gradients if the model
    has them. The prompt's own tokens are not the policy's actions, so they are not counted.
    """
    logits = model(tokens[:, :-1])  # (B, T-1, V): position t predicts token t+1
    log_probs = torch.log_softmax(logits, dim=-1)
    taken = log_probs.gather(-1, tokens[:, 1:].unsqueeze(-1)).squeeze(-1)  # (B, T-1): ln π of each next token
    return taken[:, prompt_len - 1:].sum(-1)  # (B,): tokens prompt_len .. T-1 are the completion


def kl_penalised_rewards(rewards: torch.Tensor, log_probs: torch.Tensor, ref_log_probs: torch.Tensor,
                         beta: float) -> torch.Tensor:
    """r(x, y) - β (ln π_θ(y|x) - ln π_ref(y|x)): the reward of the KL-regularised objective, whose expectation
    over y ~ π_θ is E[r] - β KL(π_θ ‖ π_ref). A minus: drifting from the reference costs reward.

    All (B,); the result is a weight for the policy gradient, so it carries no gradient.
    >>> kl_penalised_rewards(torch.tensor([1.0]), torch.tensor([-2.0]), torch.tensor([-3.0]), 0.5).tolist()
    [0.5]
    """
    return (rewards - beta * (log_probs - ref_log_probs)).detach()


def rlhf_update(policy: nn.Module, reference: nn.Module, reward_fn: Callable[[torch.Tensor], torch.Tensor],
                optimizer: torch.optim.Optimizer, prompts: torch.Tensor, n_samples: int, n_new: int, beta: float,
                generator: torch.Generator | None = None) -> dict[str, float]:
    """One policy-gradient step of RLHF: sample `n_samples` completions of each prompt, score them with
    `reward_fn`, subtract β × the log-ratio to the frozen reference, baseline each sample by the mean of its
    prompt's other samples (leave-one-out, RLOO) and take one step on Chapter 6's REINFORCE loss.

    prompts (P, prompt_len); reward_fn: tokens (B, T) -> (B,) scores (a reward model or a program that checks).
    Returns the batch's mean reward, mean log-ratio ln π_θ/π_ref (a KL estimate) and mean penalised reward.
    """
    prompt_len = prompts.shape[1]
    policy.eval()  # sampling and scoring without dropout
    with torch.no_grad():
        tokens = generate(policy, prompts.repeat_interleave(n_samples, 0), n_new, generator=generator)  # (B, T)
        rewards = reward_fn(tokens)  # (B,)
        ref_log_probs = sequence_log_probs(reference, tokens, prompt_len)  # (B,)
    log_probs = sequence_log_probs(policy, tokens, prompt_len)  # (B,), with gradients
    penalised = kl_penalised_rewards(rewards, log_probs, ref_log_probs, beta)  # (B,)
    grouped = penalised.view(-1, n_samples)  # (P, K): the samples of one prompt share a row
    baseline = (grouped.sum(1, keepdim=True) - grouped) / (n_samples - 1)  # (P, K): mean of the others
    loss = reinforce_loss(log_probs, (grouped - baseline).view(-1), n_episodes=len(tokens))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
    optimizer.step()
    return {"reward": rewards.mean().item(), "kl": (log_probs - ref_log_probs).mean().item(),
            "penalised": penalised.mean().item()}


def dpo_loss(log_probs_chosen: torch.Tensor, log_probs_rejected: torch.Tensor, ref_chosen: torch.Tensor,
             ref_rejected: torch.Tensor, beta: float) -> torch.Tensor:
    """-mean ln σ(β[(ln π_θ(y_w) - ln π_ref(y_w)) - (ln π_θ(y_l) - ln π_ref(y_l))]): DPO, Bradley–Terry on the
    implicit reward β ln π_θ/π_ref that the KL-regularised objective's optimum assigns (up to a term in x only).

    All (B,) sequence log-probabilities; the reference's carry no gradient.
    >>> dpo_loss(torch.zeros(2), torch.zeros(2), torch.zeros(2), torch.zeros(2), beta=0.1).item()   # ln 2
    0.6931471824645996
    """
    margin = (log_probs_chosen - ref_chosen.detach()) - (log_probs_rejected - ref_rejected.detach())  # (B,)
    return -F.logsigmoid(beta * margin).mean()
