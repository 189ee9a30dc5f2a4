"""The course's offline text: real English from Python's documentation, plus small texts of our own.

The English corpus is `texts/python_docs_topics.json`, a snapshot of pydoc's topic data from CPython 3.11.7
(the text of `help("if")`, `help("with")`, ...: about 465 KB of English prose with code examples). It is a file
of the repository, not read from the running interpreter, because every Python release rewrites that module:
the same code would print different numbers on 3.10, 3.11, 3.12 and 3.13. `texts/NOTICE.md` gives its licence.
`tests/test_texts.py` pins the files' checksums and the facts derived from them.

Example:
    >>> train, val = train_val_split(english_corpus(), val_fraction=0.1)
    >>> 0.08 < len(val) / (len(train) + len(val)) < 0.12
    True
    >>> english_corpus()[:22]
    'The "assert" statement'
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the module needs only the standard library: tests load it under every Python version
    import numpy as np

TEXTS = Path(__file__).resolve().parent / "texts"  # the course's text files, shipped with the package
ENGLISH_FILE = "python_docs_topics.json"
CODE_FILE = "python_stdlib_sample.py.txt"

# The same two sentences in several languages (written for this course), to compare what text costs in tokens.
PARALLEL_SENTENCES: dict[str, str] = {
    "English": "The cat is sleeping on the warm windowsill. Outside, it has been raining since morning.",
    "German": "Die Katze schläft auf der warmen Fensterbank. Draußen regnet es seit dem Morgen.",
    "French": "Le chat dort sur le rebord chaud de la fenêtre. Dehors, il pleut depuis ce matin.",
    "Spanish": "El gato duerme en el alféizar cálido de la ventana. Afuera llueve desde la mañana.",
    "Russian": "Кошка спит на тёплом подоконнике. На улице с утра идёт дождь.",
    "Greek": "Η γάτα κοιμάται στο ζεστό περβάζι. Έξω βρέχει από το πρωί.",
    "Chinese": "猫在温暖的窗台上睡觉。外面从早上就一直在下雨。",
    "Japanese": "猫が暖かい窓辺で眠っている。外は朝からずっと雨が降っている。",
    "Korean": "고양이가 따뜻한 창틀 위에서 자고 있다. 밖에는 아침부터 비가 내리고 있다.",
}


@cache
def read_text(name: str) -> str:
    """The exact content of the course text `name` in `lmrl_utils/lm/texts/` (no newline translation on Windows)."""
    with open(TEXTS / name, encoding="utf-8", newline="") as f:
        return f.read()


def text_sha256(name: str) -> str:
    """SHA-256 of a course text file's bytes: what cache keys and snapshot tests use to notice a changed corpus."""
    return hashlib.sha256((TEXTS / name).read_bytes()).hexdigest()


def corpus_documents() -> list[str]:
    """The documentation topics, one string per topic, in a fixed (sorted by topic name) order."""
    topics = json.loads(read_text(ENGLISH_FILE))
    return [topics[name].strip() for name in sorted(topics)]


def english_corpus() -> str:
    """All topics joined by blank lines: one string of about 465 KB of English, the same on every machine."""
    return "\n\n".join(corpus_documents()) + "\n"


def python_source() -> str:
    """A few standard-library modules' source code (textwrap, json.decoder, json.encoder, string, shlex of
    CPython 3.11.7), joined by blank lines: real Python code, offline and the same on every machine.

    Used to show what a tokenizer learned on English does with code. Example: "def " in python_source()
    """
    return read_text(CODE_FILE)


def train_val_split(text: str, val_fraction: float = 0.1) -> tuple[str, str]:
    """Split `text` into a training part and the last `val_fraction` of it, cut at a line break.

    The validation text is a contiguous tail, so it contains documents the training part never saw (a random
    character-level split would leak every word into both). Example: train_val_split("a\\nb\\nc\\nd\\n", 0.5)
    -> ("a\\nb\\n", "c\\nd\\n")
    """
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be strictly between 0 and 1, got {val_fraction}")
    target = round(len(text) * (1 - val_fraction))
    cut = text.rfind("\n", 0, target) + 1  # just after the last line break before the target position
    if cut <= 0:
        cut = target
    return text[:cut], text[cut:]


def random_unicode(rng: np.random.Generator, length: int) -> str:
    """A random string of `length` characters mixing ASCII, accented Latin, Greek, Cyrillic, CJK, emoji,
    whitespace and rare planes: a stress test for anything that must round-trip arbitrary text.

    Every character is a valid Unicode scalar value (no surrogates), so the string is encodable in UTF-8.
    Example: random_unicode(np.random.default_rng(0), 5) -> a 5-character string, the same on every run
    """
    import numpy as np

    ranges = [
        (0x20, 0x7E),  # printable ASCII
        (0x09, 0x0D),  # tab, newlines and other ASCII whitespace
        (0xC0, 0x17F),  # accented Latin
        (0x391, 0x3C9),  # Greek
        (0x410, 0x44F),  # Cyrillic
        (0x4E00, 0x4FFF),  # CJK ideographs (3 bytes in UTF-8)
        (0x1F300, 0x1F64F),  # emoji (4 bytes in UTF-8)
        (0x0, 0x10FFFF),  # anything at all, surrogates excluded below
    ]
    weights = np.array([8, 2, 2, 1, 1, 2, 2, 1], dtype=float)
    chars = []
    for k in rng.choice(len(ranges), size=length, p=weights / weights.sum()):
        lo, hi = ranges[k]
        code = int(rng.integers(lo, hi + 1))
        if 0xD800 <= code <= 0xDFFF:  # surrogates are not characters; UTF-8 cannot encode them
            code = 0xFFFD
        chars.append(chr(code))
    return "".join(chars)
