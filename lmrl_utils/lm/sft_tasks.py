"""Running sums: a token task on which supervised fine-tuning is visibly behaviour cloning (Chapter 5).

A prompt is `n_digits` digits d_1..d_n in 0..m-1 and an "=" token; the answer is the running sums
s_k = (d_1 + ... + d_k) mod m, one token each, so the last one is the total. A program checks an answer, and
the **expert** labels any prefix, even one with earlier mistakes: the best next token at answer position k
is the true s_k, whatever the model wrote before it (a slip at step j can still be repaired at step j + 1).

Teacher forcing on demonstrations (SFT) only shows prefixes whose earlier sums are right, so a model can get
away with the shortcut s_k = s_{k-1} + d_k, which copies its own previous token: after one slip every later
token is wrong. `dagger` relabels the model's own generations with the expert's tokens instead.

Example:
    >>> task = RunningSumTask(modulus=5, n_digits=4)
    >>> prompts = np.array([[3, 4, 1, 2, task.eq]])
    >>> expert_answers(task, prompts).tolist()           # 3, 3+4=7=2 (mod 5), 2+1=3, 3+2=5=0
    [[3, 2, 3, 0]]
    >>> seqs = np.array([[3, 4, 1, 2, task.eq, 3, 1, 2, 4]])   # a slip at step 2, carried along
    >>> answer_errors(task, seqs).astype(int).tolist()
    [[0, 1, 1, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lmrl_utils.lm.gpt import TrainConfig, lr_at, make_optimizer, train_step

IGNORE = -100  # the target of a position with no label (the prompt): token_cross_entropy skips it


@dataclass(frozen=True)
class RunningSumTask:
    """The shape of the task: token ids 0..m-1 are digits, id m is "="."""

    modulus: int = 5  # m: digits are 0..m-1 and sums are taken mod m
    n_digits: int = 8  # n: digits in a prompt, and running sums in an answer

    @property
    def eq(self) -> int:
        """The token id of "=", which ends the prompt."""
        return self.modulus

    @property
    def vocab_size(self) -> int:
        """m digits and "="."""
        return self.modulus + 1

    @property
    def seq_len(self) -> int:
        """Prompt (n digits and "=") plus answer (n sums): the longest context the model needs."""
        return 2 * self.n_digits + 1


def sample_prompts(task: RunningSumTask, n: int, rng: np.random.Generator) -> np.ndarray:
    """n random prompts (n, n_digits + 1): uniform digits, then "="."""
    digits = rng.integers(task.modulus, size=(n, task.n_digits))
    return np.concatenate([digits, np.full((n, 1), task.eq)], axis=1)


def expert_answers(task: RunningSumTask, seqs: np.ndarray) -> np.ndarray:
    """The expert's token at every answer position (n, n_digits): the true running sums of the prompt's digits."""
    return np.cumsum(seqs[:, : task.n_digits], axis=1) % task.modulus


def demonstrations(task: RunningSumTask, prompts: np.ndarray) -> np.ndarray:
    """Whole expert sequences (n, seq_len): each prompt followed by its correct answer."""
    return np.concatenate([prompts, expert_answers(task, prompts)], axis=1)


def labelled_pairs(task: RunningSumTask, seqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inputs x = seqs[:, :-1] and the expert's next tokens y (both (n, seq_len - 1)), IGNORE on the prompt.

    On a demonstration y is x shifted by one (teacher forcing); on the model's own sequence y still holds the
    true sums, so a prefix with a slip in it is labelled with what should come next.
    """
    x = seqs[:, :-1]
    y = np.full(x.shape, IGNORE)
    y[:, task.n_digits:] = expert_answers(task, seqs)  # position n ("=") predicts s_1, and so on
    return x, y


def fit_labelled(model: nn.Module, x: np.ndarray, y: np.ndarray, config: TrainConfig,
                 generator: torch.Generator) -> list[float]:
    """Train on random mini-batches of labelled rows (x, y) with Chapter 3's optimizer, schedule and train_step."""
    optimizer = make_optimizer(model, config)
    x_t, y_t = torch.as_tensor(x, dtype=torch.long), torch.as_tensor(y, dtype=torch.long)
    model.train()
    losses = []
    for step in range(config.steps):
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, config.max_lr, config.min_lr, config.warmup_steps, config.steps)
        rows = torch.randint(len(x_t), (config.batch_size,), generator=generator)  # (B,)
        losses.append(train_step(model, optimizer, x_t[rows], y_t[rows], config.max_grad_norm))
    return losses


@torch.no_grad()
def generate_answers(task: RunningSumTask, model: nn.Module, prompts: np.ndarray, temperature: float,
                     generator: torch.Generator) -> np.ndarray:
    """The model writes an answer to each prompt, token by token, on its own prefix (n, seq_len).

    temperature 0: greedy (argmax); otherwise it samples from softmax(logits / temperature).
    """
    model.eval()
    seqs = torch.as_tensor(prompts, dtype=torch.long)  # (n, n_digits + 1)
    for _ in range(task.n_digits):
        logits = model(seqs)[:, -1]  # (n, V): the next token's logits
        if temperature == 0:
            nxt = logits.argmax(-1)
        else:
            nxt = torch.multinomial(torch.softmax(logits / temperature, -1), 1, generator=generator)[:, 0]
        seqs = torch.cat([seqs, nxt[:, None]], dim=1)
    return seqs.numpy()


def answer_errors(task: RunningSumTask, seqs: np.ndarray) -> np.ndarray:
    """(n, n_digits) booleans: answer token k differs from the expert's token for its prefix (the true s_k)."""
    return seqs[:, task.n_digits + 1:] != expert_answers(task, seqs)


@dataclass(frozen=True)
class ImitationConfig:
    """How SFT and DAgger spend the same expert labels and the same optimizer steps."""

    n_labels: int = 1600  # expert-labelled answer tokens, for either method
    steps: int = 600  # optimizer steps in total, for either method
    dagger_rounds: int = 4  # DAgger: rounds of generate, relabel, aggregate, train
    demo_fraction: float = 0.5  # DAgger: share of the labels spent on demonstrations before the first round
    temperature: float = 1.0  # decoding of the model's own answers (0: greedy)
    batch_size: int = 32  # rows per optimizer step
    lr: float = 3e-3  # peak learning rate (warm-up, then cosine decay to lr / 10)


def _train_config(config: ImitationConfig, steps: int) -> TrainConfig:
    """Chapter 3's schedule, stretched over `steps`; no weight decay (the data sets are small)."""
    return TrainConfig(steps=steps, batch_size=config.batch_size, max_lr=config.lr, min_lr=config.lr / 10,
                       warmup_steps=max(1, steps // 10), weight_decay=0.0)


def sft(task: RunningSumTask, model: nn.Module, config: ImitationConfig, rng: np.random.Generator,
        generator: torch.Generator) -> nn.Module:
    """Supervised fine-tuning = behaviour cloning: teacher forcing on n_labels / n_digits demonstrations."""
    demos = demonstrations(task, sample_prompts(task, config.n_labels // task.n_digits, rng))
    fit_labelled(model, *labelled_pairs(task, demos), _train_config(config, config.steps), generator)
    return model


def dagger(task: RunningSumTask, model: nn.Module, config: ImitationConfig, rng: np.random.Generator,
           generator: torch.Generator) -> nn.Module:
    """DAgger on tokens: the model answers new prompts itself, the expert labels every prefix it wrote, the
    labelled rows join all earlier ones and training goes on; the same labels and steps as `sft`."""
    n_demo = int(config.demo_fraction * config.n_labels) // task.n_digits  # demonstrations first
    per_round = (config.n_labels // task.n_digits - n_demo) // config.dagger_rounds  # own answers per round
    x, y = labelled_pairs(task, demonstrations(task, sample_prompts(task, n_demo, rng)))
    first = config.steps // 2
    fit_labelled(model, x, y, _train_config(config, first), generator)
    for _ in range(config.dagger_rounds):
        own = generate_answers(task, model, sample_prompts(task, per_round, rng), config.temperature, generator)
        x_own, y_own = labelled_pairs(task, own)  # the model's prefixes, the expert's next tokens
        x, y = np.concatenate([x, x_own]), np.concatenate([y, y_own])  # aggregate
        fit_labelled(model, x, y, _train_config(config, (config.steps - first) // config.dagger_rounds), generator)
    return model
