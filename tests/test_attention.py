"""Unit tests of lmrl_utils.lm.attention: the references agree with PyTorch and with worked examples."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from lmrl_utils.lm.attention import (
    MultiHeadSelfAttention,
    causal_mask,
    padded_causal_attention,
    scaled_dot_product_attention,
    sinusoidal_positional_encoding,
    softmax,
)

pytestmark = pytest.mark.chapter("01_attention")


def test_softmax_matches_torch_and_survives_huge_logits():
    x = torch.randn(3, 4, 5) * 1e4
    for dim in (0, 1, 2, -1):
        assert torch.allclose(softmax(x, dim), torch.softmax(x, dim), atol=1e-6)
    big = softmax(torch.tensor([1e4, 1e4 - math.log(3)]))
    assert torch.allclose(big, torch.tensor([0.75, 0.25]), atol=1e-3)  # float32 spacing at 1e4 is ~1e-3


def test_two_token_worked_example():
    q = torch.ones(1, 64)
    k = torch.stack([torch.full((64,), 112 / 64), torch.full((64,), 96 / 64)])
    w = scaled_dot_product_attention(q, k, torch.eye(2))
    assert torch.allclose(w, torch.tensor([[0.8808, 0.1192]]), atol=1e-4)


@pytest.mark.parametrize("batch", [(), (2,), (2, 3)])
def test_sdpa_matches_torch(batch):
    g = torch.Generator().manual_seed(1)
    q, k = torch.randn(*batch, 4, 8, generator=g), torch.randn(*batch, 6, 8, generator=g)
    v = torch.randn(*batch, 6, 3, generator=g)
    mask = torch.rand(4, 6, generator=g) < 0.5
    mask[:, 0] = True
    assert torch.allclose(scaled_dot_product_attention(q, k, v, mask),
                          F.scaled_dot_product_attention(q, k, v, attn_mask=mask), atol=1e-6)


def test_causal_mask():
    assert torch.equal(causal_mask(3), torch.tensor([[1, 0, 0], [1, 1, 0], [1, 1, 1]], dtype=torch.bool))


def test_mhsa_matches_torch_multihead_attention():
    torch.manual_seed(0)
    mine = MultiHeadSelfAttention(16, 4, causal=True)
    theirs = torch.nn.MultiheadAttention(16, 4, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([mine.q_proj.weight, mine.k_proj.weight, mine.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([mine.q_proj.bias, mine.k_proj.bias, mine.v_proj.bias]))
        theirs.out_proj.load_state_dict(mine.out_proj.state_dict())
    x = torch.randn(2, 5, 16)
    expected, _ = theirs(x, x, x, attn_mask=~causal_mask(5), need_weights=False)
    assert torch.allclose(mine(x), expected, atol=1e-6)


def test_mhsa_rejects_indivisible_heads():
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadSelfAttention(10, 3)


def test_positional_encoding_formula():
    pe = sinusoidal_positional_encoding(5, 7)
    assert pe.shape == (5, 7) and pe.dtype == torch.float32
    assert torch.isclose(pe[3, 4], torch.tensor(math.sin(3 / 10000 ** (4 / 7))))
    assert torch.isclose(pe[3, 5], torch.tensor(math.cos(3 / 10000 ** (4 / 7))))


def test_padded_attention_equals_unpadded_sequences_and_has_finite_gradients():
    g = torch.Generator().manual_seed(0)
    B, h, T, d = 4, 2, 6, 8
    q, k, v = (torch.randn(B, h, T, d, generator=g).requires_grad_() for _ in range(3))
    valid = torch.tensor([[True] * 6, [False, False, True, True, True, True], [True, True, False, False, False, False],
                          [False] * 6])  # full, left-padded, right-padded, only padding
    out = padded_causal_attention(q, k, v, valid)
    for b in range(B):
        real = valid[b].nonzero().squeeze(1)
        assert torch.all(out[b][:, ~valid[b]] == 0)
        if len(real):
            expected = F.scaled_dot_product_attention(q[b][:, real], k[b][:, real], v[b][:, real], is_causal=True)
            assert torch.allclose(out[b][:, real], expected, atol=1e-6)
    out.sum().backward()
    assert all(torch.isfinite(x.grad).all() for x in (q, k, v))
    assert torch.all(k.grad[3] == 0) and torch.all(v.grad[1, :, :2] == 0)  # padding gets no gradient
