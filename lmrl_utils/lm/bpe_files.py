"""Read and write a BPE vocabulary in GPT-2's file format, so production merge lists load into `Tokenizer`.

The format (GPT-2's `encoder.json` + `vocab.bpe`, also Hugging Face's `vocab.json` + `merges.txt`):

- the vocabulary file is a JSON object mapping each token to its id, e.g. `{"!": 0, ..., "Ġthe": 262}`;
- the merges file starts with a line `#version: 0.2`, then one merge per line, in the order learned: the two
  tokens separated by one space, e.g. `Ġ t` then `Ġt he`.

Tokens are bytes, but JSON and text files hold strings, so every byte is written as one printable character:
bytes that are printable Latin-1 characters stand for themselves and the others (space, control bytes...) are
moved to code points from 256 on. The space byte 0x20 becomes "Ġ" (U+0120), which is why GPT-2's vocabulary is
full of "Ġ". With GPT-2's own files: `Tokenizer(*load_vocab_merges("encoder.json", "vocab.bpe"),
special_tokens=["<|endoftext|>"])` (the files are not shipped with the course; nothing here downloads).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path


@cache
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character table (256 entries, all distinct).

    Example: bytes_to_unicode()[ord("a")] == "a"; bytes_to_unicode()[ord(" ")] == "Ġ"
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table = {b: chr(b) for b in printable}
    shift = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + shift)  # a byte without a printable look gets a code point above 255
            shift += 1
    return table


def _to_text(token: bytes) -> str:
    table = bytes_to_unicode()
    return "".join(table[b] for b in token)


@cache
def _unicode_to_bytes() -> dict[str, int]:
    return {c: b for b, c in bytes_to_unicode().items()}


def _to_bytes(text: str) -> bytes:
    inverse = _unicode_to_bytes()
    try:
        return bytes(inverse[c] for c in text)
    except KeyError as err:
        raise ValueError(f"token {text!r} has a character outside GPT-2's byte alphabet: {err}") from err


def save_vocab_merges(
    vocab: dict[int, bytes], merges: list[tuple[bytes, bytes]], vocab_path: str | Path, merges_path: str | Path
) -> None:
    """Write `vocab` (id -> bytes) and `merges` in GPT-2's format (see the module docstring)."""
    encoder = {_to_text(token): i for i, token in sorted(vocab.items())}
    Path(vocab_path).write_text(json.dumps(encoder, ensure_ascii=False), encoding="utf-8")
    lines = ["#version: 0.2", *(f"{_to_text(a)} {_to_text(b)}" for a, b in merges)]
    Path(merges_path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_vocab_merges(
    vocab_path: str | Path, merges_path: str | Path
) -> tuple[dict[int, bytes], list[tuple[bytes, bytes]]]:
    """Read (vocab, merges) written in GPT-2's format: GPT-2's own files, Hugging Face's, or ours.

    Special tokens such as "<|endoftext|>" are stored as their own characters, which are all printable ASCII
    and therefore stand for themselves in GPT-2's alphabet; they load as their UTF-8 bytes.
    """
    encoder = json.loads(Path(vocab_path).read_text(encoding="utf-8"))
    vocab = {int(i): _to_bytes(token) for token, i in encoder.items()}
    merges = []
    for line in Path(merges_path).read_text(encoding="utf-8").splitlines():
        if line.startswith("#version") or not line.strip():
            continue
        left, right = line.split(" ")
        merges.append((_to_bytes(left), _to_bytes(right)))
    return vocab, merges
