"""Unit tests of lmrl_utils.grading.check_written_here: own code passes; the reference, in any disguise, fails."""

from __future__ import annotations

import itertools

import pytest
import torch

import lmrl_utils.lm.attention as ref
from lmrl_utils.grading import CheckFailed, check_written_here

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
    ("from lmrl_utils.lm.attention import softmax", "reference"),
    ("import lmrl_utils.lm.attention as a\nsoftmax = a.softmax", "reference"),
    ("import lmrl_utils.lm.attention as a\ndef softmax(x, dim=-1):\n    return a.softmax(x, dim)", "reference"),
    ("from lmrl_utils.lm.attention import softmax as s\ndef softmax(x, dim=-1):\n    return s(x, dim)", "reference"),
    ("def softmax(x, dim=-1):\n    from lmrl_utils.lm.attention import softmax as s\n    return s(x, dim)", "imports"),
    ("import lmrl_utils.lm.attention as a\ndef helper(x):\n    return a.softmax(x)\n"
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
    ns = cell("import lmrl_utils.lm.attention as a\nclass MultiHeadSelfAttention(a.MultiHeadSelfAttention):\n"
              "    pass", tmp_path)
    with pytest.raises(CheckFailed, match="subclasses"):
        check_written_here(ns["MultiHeadSelfAttention"], ref.MultiHeadSelfAttention)


def test_class_wrapping_reference_fails(tmp_path):
    ns = cell("import lmrl_utils.lm.attention as a\nfrom torch import nn\nclass MultiHeadSelfAttention(nn.Module):\n"
              "    def __init__(self, d, h, causal=False):\n        super().__init__()\n"
              "        self.inner = a.MultiHeadSelfAttention(d, h, causal)\n", tmp_path)
    with pytest.raises(CheckFailed, match="reference"):
        check_written_here(ns["MultiHeadSelfAttention"], ref.MultiHeadSelfAttention)


def test_using_another_graded_reference_fails(tmp_path):
    """A graded item may not lean on the reference of another exercise of its notebook (GRADED)."""
    ns = cell("import lmrl_utils.lm.attention as a\nfrom torch import nn\nclass MultiHeadSelfAttention(nn.Module):\n"
              "    def forward(self, q, k, v):\n        return a.scaled_dot_product_attention(q, k, v)\n", tmp_path)
    with pytest.raises(CheckFailed, match="graded reference"):
        check_written_here(ns["MultiHeadSelfAttention"], ref.MultiHeadSelfAttention)


def test_using_course_helpers_is_allowed(tmp_path):
    ns = cell("import numpy as np\nfrom lmrl_utils.seeding import torch_generator\nimport lmrl_utils.rl.mdp as m\n"
              "def softmax(x, dim=-1):\n    g = torch_generator(0)\n    _ = m.TabularMDP\n"
              "    e = (x - x.amax(dim=dim, keepdim=True)).exp()\n    return e / e.sum(dim=dim, keepdim=True)\n",
              tmp_path)
    check_written_here(ns["softmax"], ref.softmax)


TABULAR_HOLES = {
    "function-local import ... as": "def q_learning(env, config, seed):\n    import lmrl_utils.rl.tabular as t\n"
                                    "    return t.q_learning(env, config, seed)",
    "function-local from-import": "def q_learning(env, config, seed):\n"
                                  "    from lmrl_utils.rl.tabular import q_learning as q\n"
                                  "    return q(env, config, seed)",
    "function-local parent package": "def q_learning(env, config, seed):\n    import lmrl_utils.rl\n"
                                     "    return lmrl_utils.rl.tabular.q_learning(env, config, seed)",
    "global parent package": "import lmrl_utils.rl.tabular\nimport lmrl_utils\ndef q_learning(env, config, seed):\n"
                             "    return lmrl_utils.rl.tabular.q_learning(env, config, seed)",
    "importlib": "import importlib\ndef q_learning(env, config, seed):\n"
                 "    return importlib.import_module('lmrl_utils.rl.tabular').q_learning(env, config, seed)",
    "__import__": "def q_learning(env, config, seed):\n"
                  "    return __import__('lmrl_utils.rl.tabular', fromlist=['x']).q_learning(env, config, seed)",
    "sys.modules": "import sys\ndef q_learning(env, config, seed):\n"
                   "    return sys.modules['lmrl_utils.rl.tabular'].q_learning(env, config, seed)",
    "getattr on a course module": "import lmrl_utils.rl.tabular as t\ndef q_learning(env, config, seed):\n"
                                  "    return getattr(t, 'q_' + 'learning')(env, config, seed)",
    "default argument": "import lmrl_utils.rl.tabular as t\ndef q_learning(env, config, seed, _f=t.q_learning):\n"
                        "    return _f(env, config, seed)",
    "closure": "import lmrl_utils.rl.tabular as t\ndef make():\n    f = t.q_learning\n"
               "    def q_learning(env, config, seed):\n        return f(env, config, seed)\n    return q_learning\n"
               "q_learning = make()",
    "eval": "def q_learning(env, config, seed):\n"
            "    return eval('lmrl_utils.rl.tabular.q_learning')(env, config, seed)",
    "another graded item (epsilon_greedy)": "import numpy as np\nimport lmrl_utils.rl.tabular as t\n"
                                           "def q_learning(env, config, seed):\n"
                                           "    return t.epsilon_greedy(np.zeros(4), 0.1, np.random.default_rng(seed))",
    "another graded item through a notebook helper": "from lmrl_utils.rl.tabular import policy_evaluation as pe\n"
                                                     "def helper(mdp, pi):\n    return pe(mdp, pi)\n"
                                                     "def q_learning(env, config, seed):\n    return helper(env, seed)",
}


@pytest.mark.parametrize("route", sorted(TABULAR_HOLES))
def test_every_route_to_a_graded_reference_fails(tmp_path, route):
    import lmrl_utils.rl.tabular as tabular

    ns = cell(TABULAR_HOLES[route], tmp_path)
    with pytest.raises(CheckFailed):
        check_written_here(ns["q_learning"], tabular.q_learning)


def test_code_from_another_module_fails(tmp_path):
    ns = cell(OWN, tmp_path, namespace={"__name__": "somewhere_else"})
    with pytest.raises(CheckFailed, match="not from this notebook"):
        check_written_here(ns["softmax"], ref.softmax)


def test_exec_without_source_fails():
    ns = {"__name__": "__main__"}
    exec(compile(OWN, "<string>", "exec"), ns)
    with pytest.raises(CheckFailed, match="cannot read the source"):
        check_written_here(ns["softmax"], ref.softmax)
