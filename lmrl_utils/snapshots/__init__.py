"""Expected values of visible tests that only a graded reference can compute, saved as files (snapshot tests).

A visible test that compared the student's answer with the reference's, computed live, could not run in the
student build (lmrl_utils.student_package), which leaves the references out. So such a test reads the value
here, and the course keeps the files true: `tests/test_snapshots.py` recomputes every one from the references
(the recipes below) and fails when a file is stale. The hidden tests, which run on the grading machine with the
full package, still call the references live, on inputs the students never see.

    python -m lmrl_utils.snapshots          # rewrite every file from the references

Example:
    >>> sorted(RECIPES)[:2]
    ['00_getting_started/train_visible', '01_attention/mhsa_visible']
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lmrl_utils.snapshots.stand_ins import RecordedTokenizer, TinyLM, TinyPolicy  # noqa: F401  # visible tests import them from here

FOLDER = Path(__file__).resolve().parent  # lmrl_utils/snapshots/<assignment>/<grade_id>.pt

TOKENIZER_STRINGS = ["Hello, world!", "The tokenizer's merges don't cross spaces.", "Is 9.9 greater than 9.11?",
                     "    indented\n\n\tcode(x=1)", "naïve café 🤖 日本語", ""]
SPECIAL_STRING = "Hello<|endoftext|>world <|endoftext|><|endoftext|>"


def _train_bpe_visible() -> dict:
    """train_bpe on the first 20,000 characters of the corpus, 400 tokens, with <|endoftext|>."""
    from lmrl_utils.lm import tokenization as ref
    from lmrl_utils.lm.corpus import english_corpus

    vocab, merges = ref.train_bpe(english_corpus()[:20_000], 400, ["<|endoftext|>"])
    return {"vocab": vocab, "merges": merges}


def _tokenizer_visible() -> dict:
    """A 400-token BPE of the first 20,000 characters, and the reference Tokenizer's ids of the test strings."""
    from lmrl_utils.lm import tokenization as ref
    from lmrl_utils.lm.corpus import english_corpus

    vocab, merges = ref.train_bpe(english_corpus()[:20_000], 400)
    tok = ref.Tokenizer(vocab, merges)
    return {"vocab": vocab, "merges": merges, "ids": {s: tok.encode(s) for s in TOKENIZER_STRINGS}}


def _special_stream_visible() -> dict:
    """A 300-token BPE with <|endoftext|>, and the reference Tokenizer's ids of a string full of it."""
    from lmrl_utils.lm import tokenization as ref
    from lmrl_utils.lm.corpus import english_corpus

    vocab, merges = ref.train_bpe(english_corpus()[:20_000], 300, ["<|endoftext|>"])
    ids = ref.Tokenizer(vocab, merges, ["<|endoftext|>"]).encode(SPECIAL_STRING)
    return {"vocab": vocab, "merges": merges, "ids": ids}


def _unigram_bpb_visible() -> dict:
    """A 400-token BPE of the first 20,000 characters, its ids of the texts the test encodes, and the reference's
    bits per byte of two held-out texts."""
    from lmrl_utils.lm import tokenization as ref
    from lmrl_utils.lm.corpus import english_corpus

    text = english_corpus()
    vocab, merges = ref.train_bpe(text[:20_000], 400)
    tok = ref.Tokenizer(vocab, merges)
    heldout = [text[20_000:24_000], "Zürich, Ωμέγα and 東京 are not in the training text: ☃ 🤖"]
    return {"vocab": vocab, "merges": merges, "ids": {t: tok.encode(t) for t in [text[:20_000], *heldout]},
            "heldout": heldout, "expected": [ref.unigram_bits_per_byte(tok, text[:20_000], h) for h in heldout]}


def _mhsa_visible() -> dict:
    """The reference MultiHeadSelfAttention(16, 4)'s weights (seed 0), an input x (2, 5, 16) and its output."""
    import torch

    from lmrl_utils.lm import attention as ref

    torch.manual_seed(0)
    reference = ref.MultiHeadSelfAttention(d_model=16, n_heads=4)
    x = torch.randn(2, 5, 16, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        y = reference(x)
    return {"state_dict": {k: v.clone() for k, v in reference.state_dict().items()}, "x": x, "y": y}


def _gpt_visible() -> dict:
    """The reference GPT's weights (seed 0) for the test's small config, ids idx (2, 10) and its logits of them."""
    import torch

    from lmrl_utils.lm import gpt as ref

    torch.manual_seed(0)
    reference = ref.GPT(ref.GPTConfig(vocab_size=20, block_size=16, d_model=32, n_layers=2, n_heads=4))
    idx = torch.randint(20, (2, 10), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        logits = reference(idx)
    return {"state_dict": {k: v.clone() for k, v in reference.state_dict().items()}, "idx": idx, "logits": logits}


def _generate_visible() -> dict:
    """A small GPT's weights (seed 0, embeddings sharpened 5x) and the reference's greedy continuations."""
    import torch

    from lmrl_utils.lm import decoding as ref
    from lmrl_utils.lm.gpt import GPT, GPTConfig

    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=20, block_size=16, d_model=32, n_layers=2, n_heads=4)).eval()
    with torch.no_grad():  # sharper random logits than the initialization gives, so decoding choices matter
        model.tok_emb.weight.mul_(5)
    prompt = torch.tensor([[1, 2, 3], [4, 5, 6]])
    return {"state_dict": {k: v.clone() for k, v in model.state_dict().items()},
            "greedy": ref.generate(model, prompt, 5, temperature=0),
            "long": ref.generate(model, torch.zeros(1, 14, dtype=torch.long), 10, temperature=0)}


def _train_step_visible() -> dict:
    """A TinyLM's weights (seed 0), two batches, and the reference train_step's losses and weights after each
    step (SGD, lr 0.5; the second step clips the gradient norm to 0.25)."""
    import torch

    from lmrl_utils.cache import torch_threads
    from lmrl_utils.lm import gpt as ref

    torch.manual_seed(0)
    model = TinyLM(ref.GPTConfig(vocab_size=20, block_size=16, d_model=32, n_layers=1, n_heads=1))
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    g = torch.Generator().manual_seed(3)
    batches = [(torch.randint(20, (4, 16), generator=g), torch.randint(20, (4, 16), generator=g)) for _ in range(2)]
    optimizer, losses, after = torch.optim.SGD(model.parameters(), lr=0.5), [], []
    with torch_threads(1):  # LayerNorm's backward sums in an order that depends on the number of threads
        for (x, y), clip in zip(batches, TRAIN_STEP_CLIPS, strict=True):
            losses.append(ref.train_step(model, optimizer, x, y) if clip is None else
                          ref.train_step(model, optimizer, x, y, max_grad_norm=clip))
            after.append({k: v.clone() for k, v in model.state_dict().items()})
    return {"state_dict": initial, "batches": batches, "losses": losses, "after": after}


TRAIN_STEP_CLIPS = (None, 0.25)  # the first step with train_step's default max_grad_norm, the second with 0.25
TRAIN_CONFIG = {"steps": 40, "batch_size": 8, "max_lr": 1e-2, "min_lr": 1e-3, "warmup_steps": 5}


def _train_visible() -> dict:
    """The reference lr_at's learning rate of each step of the train test's TrainConfig."""
    from lmrl_utils.lm import gpt as ref

    c = ref.TrainConfig(**TRAIN_CONFIG)
    return {"config": dict(TRAIN_CONFIG),
            "lrs": [ref.lr_at(step, c.max_lr, c.min_lr, c.warmup_steps, c.steps) for step in range(c.steps)]}


def _warmup_train_visible() -> dict:
    """train_linear_regression's weight and bias after 3 steps of lr 0.1 on y = 2x + 1."""
    import torch

    from lmrl_utils import warmup as ref

    x = torch.linspace(-1, 1, 20).unsqueeze(1)
    model = ref.train_linear_regression(x, 2 * x + 1, n_steps=3, lr=0.1)
    return {"weight": model.weight.detach().clone(), "bias": model.bias.detach().clone()}


# "<assignment>/<grade_id of the visible test cell>" -> how the references compute its expected values
RECIPES: dict[str, Callable[[], dict]] = {
    "00_getting_started/train_visible": _warmup_train_visible,
    "01_attention/mhsa_visible": _mhsa_visible,
    "02_tokenization/train_bpe_visible": _train_bpe_visible,
    "02_tokenization/tokenizer_visible": _tokenizer_visible,
    "02_tokenization/special_stream_visible": _special_stream_visible,
    "02_tokenization/unigram_bpb_visible": _unigram_bpb_visible,
    "03_lm_training/generate_visible": _generate_visible,
    "03_lm_training/gpt_visible": _gpt_visible,
    "03_lm_training/train_step_visible": _train_step_visible,
    "03_lm_training/train_visible": _train_visible,
}


def path_of(key: str) -> Path:
    """The file of snapshot `key`, e.g. lmrl_utils/snapshots/02_tokenization/train_bpe_visible.pt."""
    return FOLDER / f"{key}.pt"


def snapshot(key: str) -> dict:
    """The saved expected values of visible test `key` (a dict of tensors, lists, dicts, bytes and numbers)."""
    import torch

    if key not in RECIPES:
        raise KeyError(f"no snapshot {key!r}; the snapshots are {sorted(RECIPES)}")
    return torch.load(path_of(key), weights_only=True)


def write(keys: list[str] | None = None) -> list[Path]:
    """Recompute snapshots from the references and save them (all of them by default)."""
    import torch

    written = []
    for key in keys or sorted(RECIPES):
        path = path_of(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(RECIPES[key](), path)
        written.append(path)
    return written
