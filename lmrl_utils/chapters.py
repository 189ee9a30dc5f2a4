"""The course's chapters, in order: the one list that the README, the landing page, Getting started, the test
markers (`make test-chapter CH=...`) and the release tooling agree with (`tests/test_chapters.py` checks them).

A chapter's folder name is its nbgrader assignment id, on both sides: `chapters/<folder>/` holds the narrative
pages and the generated student notebooks, `solutions/<folder>/` the instructor notebooks.

Example:
    >>> [c.folder for c in CHAPTERS][:2]
    ['00_getting_started', '01_attention']
    >>> chapter("04_mdp").title
    'Markov decision processes'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    """One chapter: its number, folder (= assignment id), title and the part of the book it belongs to."""

    number: int
    folder: str
    title: str
    part: str  # "Getting started", "Language models", "Reinforcement learning" or "RLHF"


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(0, "00_getting_started", "Getting started", "Getting started"),
    Chapter(1, "01_attention", "Attention", "Language models"),
    Chapter(2, "02_tokenization", "Tokenization", "Language models"),
    Chapter(3, "03_lm_training", "Language-model training", "Language models"),
    Chapter(4, "04_mdp", "Markov decision processes", "Reinforcement learning"),
    Chapter(5, "05_imitation", "Imitation learning", "Reinforcement learning"),
    Chapter(6, "06_policy_gradients", "Policy gradients", "Reinforcement learning"),
    Chapter(7, "07_rlhf", "RLHF", "RLHF"),
)


def chapter(folder: str) -> Chapter:
    """The chapter whose folder is `folder`; a clear error for an unknown one."""
    for c in CHAPTERS:
        if c.folder == folder:
            return c
    raise ValueError(f"no chapter {folder!r}; the chapters are {[c.folder for c in CHAPTERS]}")
