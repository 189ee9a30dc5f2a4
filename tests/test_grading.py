"""Unit tests of lmrl_utils.grading.check_written_here: own code passes; the reference, in any disguise, fails."""

from __future__ import annotations

import itertools

import pytest
import torch

import lmrl_utils.attention as ref
from lmrl_utils.checks import CheckFailed
from lmrl_utils.grading import check_written_here

_counter = itertools.count()


def cell(source: str, tmp_path, namespace: dict | None = None) -> dict:
    """Run `source` like a notebook cell: module __main__, source readable by inspect (as ipykernel does)."""
    path = tmp_path / f"cell{next(_counter)}.py"
    path.write_text(source)
    ns = namespace if namespace is not None else {"__name__": "__main__"}
    exec(compile(source, str(path), "exec"), ns)
    return ns


OWN = """
import torch
def softmax(x, dim=-1):
    e = torch.exp(x - x.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)
"""


def test_own_code_passes(tmp_path):
    ns = cell(OWN, tmp_path)
    check_written_here(ns["softmax"], ref.softmax, forbidden=[torch.softmax], forbidden_attrs=["softmax"])


@pytest.mark.parametrize("source, fragment", [
    ("from lmrl_utils.attention import softmax", "reference"),
    ("import lmrl_utils.attention as a\nsoftmax = a.softmax", "reference"),
    ("import lmrl_utils.attention as a\ndef softmax(x, dim=-1):\n    return a.softmax(x, dim)", "reference"),
    ("from lmrl_utils.attention import softmax as s\ndef softmax(x, dim=-1):\n    return s(x, dim)", "reference"),
    ("def softmax(x, dim=-1):\n    from lmrl_utils.attention import softmax as s\n    return s(x, dim)", "imports"),
    ("import lmrl_utils.attention as a\ndef helper(x):\n    return a.softmax(x)\n"
     "def softmax(x, dim=-1):\n    return helper(x)", "reference"),
    ("import torch\ndef softmax(x, dim=-1):\n    return torch.softmax(x, dim)", "built-in"),
    ("def softmax(x, dim=-1):\n    return x.softmax(dim)", ".softmax"),
    ("softmax = None", "None"),
])
def test_reference_in_disguise_fails(tmp_path, source, fragment):
    ns = cell(source, tmp_path)
    with pytest.raises(CheckFailed, match=fragment.replace(".", r"\.")):
        check_written_here(ns["softmax"], ref.softmax, forbidden=[torch.softmax], forbidden_attrs=["softmax"])


def test_subclass_of_reference_class_fails(tmp_path):
    ns = cell("import lmrl_utils.attention as a\nclass MultiHeadSelfAttention(a.MultiHeadSelfAttention):\n"
              "    pass", tmp_path)
    with pytest.raises(CheckFailed, match="subclasses"):
        check_written_here(ns["MultiHeadSelfAttention"], ref.MultiHeadSelfAttention)


def test_class_wrapping_reference_fails(tmp_path):
    ns = cell("import lmrl_utils.attention as a\nfrom torch import nn\nclass MultiHeadSelfAttention(nn.Module):\n"
              "    def __init__(self, d, h, causal=False):\n        super().__init__()\n"
              "        self.inner = a.MultiHeadSelfAttention(d, h, causal)\n", tmp_path)
    with pytest.raises(CheckFailed, match="reference"):
        check_written_here(ns["MultiHeadSelfAttention"], ref.MultiHeadSelfAttention)


def test_using_other_references_is_allowed(tmp_path):
    ns = cell("import lmrl_utils.attention as a\nfrom torch import nn\nclass MultiHeadSelfAttention(nn.Module):\n"
              "    def forward(self, q, k, v):\n        return a.scaled_dot_product_attention(q, k, v)\n", tmp_path)
    check_written_here(ns["MultiHeadSelfAttention"], ref.MultiHeadSelfAttention)


def test_code_from_another_module_fails(tmp_path):
    ns = cell(OWN, tmp_path, namespace={"__name__": "somewhere_else"})
    with pytest.raises(CheckFailed, match="not from this notebook"):
        check_written_here(ns["softmax"], ref.softmax)


def test_exec_without_source_fails():
    ns = {"__name__": "__main__"}
    exec(compile(OWN, "<string>", "exec"), ns)
    with pytest.raises(CheckFailed, match="cannot read the source"):
        check_written_here(ns["softmax"], ref.softmax)
