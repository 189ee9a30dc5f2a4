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


def _train_visible() -> dict:
    """train_linear_regression's weight and bias after 3 steps of lr 0.1 on y = 2x + 1."""
    import torch

    from lmrl_utils import warmup as ref

    x = torch.linspace(-1, 1, 20).unsqueeze(1)
    model = ref.train_linear_regression(x, 2 * x + 1, n_steps=3, lr=0.1)
    return {"weight": model.weight.detach().clone(), "bias": model.bias.detach().clone()}


# "<assignment>/<grade_id of the visible test cell>" -> how the references compute its expected values
RECIPES: dict[str, Callable[[], dict]] = {
    "00_getting_started/train_visible": _train_visible,
    "01_attention/mhsa_visible": _mhsa_visible,
    "02_tokenization/train_bpe_visible": _train_bpe_visible,
    "02_tokenization/tokenizer_visible": _tokenizer_visible,
    "02_tokenization/special_stream_visible": _special_stream_visible,
    "02_tokenization/unigram_bpb_visible": _unigram_bpb_visible,
    "03_lm_training/generate_visible": _generate_visible,
    "03_lm_training/gpt_visible": _gpt_visible,
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
