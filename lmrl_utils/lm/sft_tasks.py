"""Running sums with a backspace: a token task on which supervised fine-tuning is visibly behaviour cloning (Ch. 5).

Digits d_1..d_n in 0..m-1 arrive one at a time and after each the model writes the running sum
s_k = (d_1 + ... + d_k) mod m, so a whole text reads d_1 s_1 d_2 s_2 ... d_n s_n. The model writes into a small
editor: a sum is appended and the next digit shown after it; the backspace token "⌫" deletes the last sum (and
the digit shown after it, which comes again). The state is the text so far, the action the next token, and the
episode ends when the text holds n sums.

The **expert** labels any text: "⌫" if a sum in it is wrong (nothing else can repair the answer), otherwise the
true next sum. A demonstration has no wrong sum, so teacher forcing (SFT) never shows a "⌫", and a model can get
away with the shortcut s_k = s_{k-1} + d_k, which trusts its own previous token: after one slip every later sum
is wrong. On a text with a slip the expert's label is "⌫", which a model can learn by comparing its last sum with
the sum before it plus the digit between them, the shortcut's own computation (with m = 2, the page's running
parity, a check of three bits). `dagger` relabels the texts the model writes itself (with injected slips, and the
expert deleting a wrong sum as soon as there is one) with the expert's tokens.

Example:
    >>> task = RunningSumTask(modulus=5, n_digits=4)
    >>> digits = np.array([[3, 4, 1, 2]])
    >>> expert_answers(task, digits).tolist()           # 3, 3+4=7=2 (mod 5), 2+1=3, 3+2=5=0
    [[3, 2, 3, 0]]
    >>> demonstrations(task, digits).tolist()
    [[3, 3, 4, 2, 1, 3, 2, 0]]
    >>> text = np.array([[3, 3, 4, 1, 1, 2, 2, 4]])      # a slip at sum 2 (1, not 2), carried along
    >>> expert_labels(task, text).tolist()               # after each digit: the expert's token (5 is "⌫")
    [[3, -100, 2, -100, 5, -100, 5, -100]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lmrl_utils.lm.gpt import TrainConfig, lr_at, make_optimizer, train_step

IGNORE = -100  # the target of a position where the model does not act (after a sum): token_cross_entropy skips it


@dataclass(frozen=True)
class RunningSumTask:
    """The shape of the task: token ids 0..m-1 are digits and sums, id m is "⌫"."""

    modulus: int = 2  # m: digits are 0..m-1 and sums are taken mod m (2: running parity)
    n_digits: int = 8  # n: digits in a text, and running sums in an answer

    @property
    def bksp(self) -> int:
        """The token id of "⌫", which deletes the last sum."""
        return self.modulus

    @property
    def vocab_size(self) -> int:
        """m digits and "⌫"."""
        return self.modulus + 1

    @property
    def seq_len(self) -> int:
        """A whole text, n digits and n sums: the model's context."""
        return 2 * self.n_digits


def sample_digits(task: RunningSumTask, n: int, rng: np.random.Generator) -> np.ndarray:
    """n random inputs (n, n_digits): uniform digits, shown one at a time."""
    return rng.integers(task.modulus, size=(n, task.n_digits))


def expert_answers(task: RunningSumTask, digits: np.ndarray) -> np.ndarray:
    """The true running sums (N, n_digits) of digits (N, n_digits)."""
    return np.cumsum(digits, axis=1) % task.modulus


def demonstrations(task: RunningSumTask, digits: np.ndarray) -> np.ndarray:
    """Whole expert texts (N, seq_len): d_1 s_1 d_2 s_2 ... d_n s_n."""
    texts = np.empty((len(digits), task.seq_len), dtype=np.int64)
    texts[:, 0::2], texts[:, 1::2] = digits, expert_answers(task, digits)
    return texts


def expert_labels(task: RunningSumTask, texts: np.ndarray) -> np.ndarray:
    """The expert's token after every prefix of each whole text (N, seq_len).

    Position 2k (digit d_{k+1}) is labelled "⌫" if one of the sums s_1..s_k in the text is wrong, otherwise with
    the true s_{k+1}; the positions of sums are IGNORE (the next token is a digit, not the model's action).
    """
    truth = expert_answers(task, texts[:, 0::2])  # (N, n)
    spoilt = np.cumsum(texts[:, 1::2] != truth, axis=1) > 0  # (N, n): a wrong sum among s_1..s_k+1
    labels = np.full(texts.shape, IGNORE)
    labels[:, 0::2] = truth
    labels[:, 2::2] = np.where(spoilt[:, :-1], task.bksp, truth[:, 1:])
    return labels


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


@dataclass
class Episode:
    """One answer written in the editor: its hidden digits, the final text and every text a "⌫" cut short."""

    digits: np.ndarray  # (n,): the digits the editor shows, one after each sum
    text: list[int]
    deleted_from: list[list[int]]  # the text just before each "⌫" that deleted a sum
    actions: int = 0  # tokens the model wrote, "⌫" included


def start_texts(task: RunningSumTask, digits: np.ndarray, sums: np.ndarray | None = None) -> list[list[int]]:
    """Texts d_1 a_1 ... d_j a_j d_{j+1} that begin episodes: the first digit, or forced sums a (N, j) and digits."""
    j = 0 if sums is None else sums.shape[1]
    texts = np.empty((len(digits), 2 * j + 1), dtype=np.int64)
    texts[:, 0::2] = digits[:, : j + 1]
    if j:
        texts[:, 1::2] = sums
    return texts.tolist()


@torch.no_grad()
def write_answers(task: RunningSumTask, model: nn.Module, digits: np.ndarray, temperature: float,
                  generator: torch.Generator, max_actions: int, slip_rate: float = 0.0,
                  rng: np.random.Generator | None = None, sums: np.ndarray | None = None,
                  takeover: bool = False) -> list[Episode]:
    """The model answers each row of digits (N, n) in the editor, after the forced sums (N, j) if given.

    Each step it samples a token (temperature 0: argmax): a sum is appended with the next digit after it, "⌫"
    deletes the last sum and its digit ("⌫" with no sum yet changes nothing). With probability slip_rate the
    editor writes a wrong sum instead of the model's token (injected slips, drawn from rng). With takeover, the
    expert writes "⌫" for the model while the text has a wrong sum. An episode ends when the text holds n sums or
    after max_actions tokens.
    """
    model.eval()
    n = task.n_digits
    episodes = [Episode(d, t, []) for d, t in zip(digits, start_texts(task, digits, sums), strict=True)]
    truth = expert_answers(task, digits)  # (N, n)
    for _ in range(max_actions):
        live = [i for i, e in enumerate(episodes) if len(e.text) < task.seq_len]
        if not live:
            break
        width = max(len(episodes[i].text) for i in live)
        x = torch.zeros(len(live), width, dtype=torch.long)  # (L, width): texts padded on the right
        for row, i in enumerate(live):
            x[row, : len(episodes[i].text)] = torch.as_tensor(episodes[i].text)
        last = torch.as_tensor([len(episodes[i].text) - 1 for i in live])  # (L,)
        logits = model(x)[torch.arange(len(live)), last]  # (L, V): causal, so the padding is never read
        if temperature == 0:
            tokens = logits.argmax(-1)
        else:
            tokens = torch.multinomial(torch.softmax(logits / temperature, -1), 1, generator=generator)[:, 0]
        slips = rng.random(len(live)) < slip_rate if slip_rate > 0 else np.zeros(len(live), bool)
        for row, i in enumerate(live):
            e, token = episodes[i], int(tokens[row])
            e.actions += 1
            k = len(e.text) // 2  # sums so far
            if takeover and e.text[1::2] != truth[i, :k].tolist():
                token = task.bksp  # the expert's token on a text with a wrong sum
            elif slips[row]:
                token = int((truth[i, k] + rng.integers(1, task.modulus)) % task.modulus)  # a wrong sum
            if token == task.bksp and k > 0:
                e.deleted_from.append(list(e.text))
                del e.text[-2:]
            elif token < task.modulus:
                e.text += [token] + ([int(e.digits[k + 1])] if k + 1 < n else [])
    return episodes


def answers_right(task: RunningSumTask, episodes: list[Episode]) -> np.ndarray:
    """(N,) booleans: the episode ended with n sums, every one right."""
    return np.array([len(e.text) == task.seq_len
                     and e.text[1::2] == expert_answers(task, e.digits[None])[0].tolist() for e in episodes])


def relabel(task: RunningSumTask, episode: Episode) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows (x, y), both (rows, seq_len), and the number of expert queries: each text the episode passed through,
    with the expert's label after every prefix the model acted on (IGNORE elsewhere). A state seen in two texts of
    the episode is one query; its label is written in both rows."""
    xs, ys, states = [], [], set()
    for text in [*episode.deleted_from, episode.text]:
        x = demonstrations(task, episode.digits[None])[0]  # the true text, overwritten by the model's text
        x[: len(text)] = text
        y = expert_labels(task, x[None])[0]
        y[len(text):] = IGNORE  # past the end of the text: no state
        states.update(tuple(text[: t + 1]) for t in range(0, len(text), 2) if y[t] != IGNORE)
        xs.append(x)
        ys.append(y)
    return np.array(xs), np.array(ys), len(states)


@dataclass(frozen=True)
class ImitationConfig:
    """How SFT and DAgger spend the same expert labels and the same optimizer steps."""

    n_labels: int = 1600  # expert labels (one per state: a text and its next token), at most, for either method
    steps: int = 600  # optimizer steps in total, for either method
    dagger_rounds: int = 2  # DAgger: rounds of write, relabel, aggregate, train
    demo_fraction: float = 0.25  # DAgger: share of the labels spent on demonstrations (its first learner: SFT)
    first_steps: float = 0.3  # DAgger: share of the steps spent training its first learner
    temperature: float = 1.0  # sampling of the model's own answers in DAgger's rounds
    slip_rate: float = 0.5  # DAgger: probability that the editor writes a wrong sum instead of the model's token
    takeover: bool = True  # DAgger: the expert deletes wrong sums for the model while it writes (HG-DAgger)
    batch_size: int = 32  # rows per optimizer step
    lr: float = 3e-3  # peak learning rate (warm-up, then cosine decay to lr / 10)


def _train_config(config: ImitationConfig, steps: int) -> TrainConfig:
    """Chapter 3's schedule, stretched over `steps`; no weight decay (the data sets are small)."""
    return TrainConfig(steps=steps, batch_size=config.batch_size, max_lr=config.lr, min_lr=config.lr / 10,
                       warmup_steps=max(1, steps // 10), weight_decay=0.0)


def sft(task: RunningSumTask, model: nn.Module, config: ImitationConfig, rng: np.random.Generator,
        generator: torch.Generator) -> tuple[nn.Module, int]:
    """Supervised fine-tuning = behaviour cloning: teacher forcing on n_labels / n_digits demonstrations.

    Returns the model and the labels spent (n_labels, rounded down to whole demonstrations).
    """
    demos = demonstrations(task, sample_digits(task, config.n_labels // task.n_digits, rng))
    labels = expert_labels(task, demos)
    fit_labelled(model, demos, labels, _train_config(config, config.steps), generator)
    return model, int((labels != IGNORE).sum())


def dagger(task: RunningSumTask, model: nn.Module, config: ImitationConfig, rng: np.random.Generator,
           generator: torch.Generator) -> tuple[nn.Module, int]:
    """DAgger on tokens: SFT first, then rounds in which the model writes answers (with injected slips), the
    expert labels every text it passed through, the rows join all earlier ones and training goes on.

    Returns the model and the labels spent (at most n_labels, as for `sft`).
    """
    n_demo = int(config.demo_fraction * config.n_labels) // task.n_digits
    x = demonstrations(task, sample_digits(task, n_demo, rng))
    y = expert_labels(task, x)
    spent = int((y != IGNORE).sum())
    first = int(config.first_steps * config.steps)
    fit_labelled(model, x, y, _train_config(config, first), generator)
    per_round = (config.n_labels - spent) // config.dagger_rounds
    for r in range(config.dagger_rounds):
        budget = spent + per_round if r < config.dagger_rounds - 1 else config.n_labels
        digits = sample_digits(task, 2 * (per_round // task.n_digits) + 1, rng)  # more than the budget needs
        episodes = write_answers(task, model, digits, config.temperature, generator, 2 * task.n_digits,
                                 config.slip_rate, rng, takeover=config.takeover)
        for e in episodes:  # aggregate whole episodes while the round's budget lasts
            x_e, y_e, cost = relabel(task, e)  # the model's texts, the expert's next tokens
            if spent + cost > budget:
                break
            x, y, spent = np.concatenate([x, x_e]), np.concatenate([y, y_e]), spent + cost
        steps = (config.steps - first) // config.dagger_rounds  # the last round also takes the remainder
        if r == config.dagger_rounds - 1:
            steps = config.steps - first - (config.dagger_rounds - 1) * steps
        fit_labelled(model, x, y, _train_config(config, steps), generator)
    return model, spent
