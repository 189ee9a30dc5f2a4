"""Correct answers written differently from the reference: every test must pass them (bench/grading_quality.py)."""

NB = "attention.ipynb"

PADDED_BODY = (
    "    T = q.shape[-2]\n"
    "    mask = causal_mask(T).to(q.device) & valid[:, None, None, :]  # (B, 1, T_q, T_k): past or present, real key\n"
    "    mask = mask & valid[:, None, :, None]  # a padding query may see nothing\n"
    "    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (B, h, T_q, T_k)\n"
    "    scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)  # finite: an all-hidden row gives no NaN\n"
    "    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)  # hidden keys and padding rows: weight 0\n"
    "    return weights @ v  # (B, h, T_q, d_v)"
)

CORRECT_VARIANTS = {
    # exp(x - logsumexp(x)): stable without subtracting the maximum explicitly
    "softmax_via_logsumexp": {
        "edits": [(NB, "softmax",
                   "    shifted = x - x.amax(dim=dim, keepdim=True)"
                   "  # the largest entry becomes 0: exp never overflows\n"
                   "    e = torch.exp(shifted)\n    return e / e.sum(dim=dim, keepdim=True)",
                   "    return torch.exp(x - torch.logsumexp(x, dim=dim, keepdim=True))")],
    },
    # the mask from comparing row and column indices
    "causal_mask_by_comparison": {
        "edits": [(NB, "causal_mask", "    return torch.tril(torch.ones(T, T, dtype=torch.bool))",
                   "    i = torch.arange(T)\n    return i[:, None] >= i[None, :]")],
    },
    # einsum for the scores, the notebook's own softmax, a large negative number instead of -inf
    "attention_with_einsum_and_own_softmax": {
        "edits": [
            (NB, "scaled_dot_product_attention", "    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)",
             '    scores = torch.einsum("...qd,...kd->...qk", q, k) / d_k ** 0.5'),
            (NB, "scaled_dot_product_attention", 'scores.masked_fill(~mask, float("-inf"))',
             "scores.masked_fill(mask == 0, -1e9)"),
            (NB, "scaled_dot_product_attention", "    weights = torch.softmax(scores, dim=-1)",
             "    weights = softmax(scores, dim=-1)"),
        ],
    },
    # heads merged with contiguous().view instead of reshape
    "heads_merged_with_view": {
        "edits": [(NB, "mhsa", "        y = y.transpose(1, 2).reshape(B, T, C)",
                   "        y = y.transpose(1, 2).contiguous().view(B, T, C)")],
    },
    # the table filled by two loops
    "positional_encoding_with_loops": {
        "edits": [(NB, "positional_encoding",
                   "    t = torch.arange(T, dtype=torch.float32).unsqueeze(1)  # (T, 1)\n",
                   "    for pos in range(T):\n        for j in range(d):\n"
                   "            rate = 10000.0 ** ((j - j % 2) / d)\n"
                   "            pe[pos, j] = math.sin(pos / rate) if j % 2 == 0 else math.cos(pos / rate)\n"
                   "    return pe\n    t = torch.arange(T, dtype=torch.float32).unsqueeze(1)  # (T, 1)\n")],
    },
    # padding queries may look at every key (a finite row), the notebook's own attention, then their rows zeroed
    "padded_via_own_attention_then_zeroed": {
        "edits": [(NB, "padded_attention", PADDED_BODY,
                   "    T = q.shape[-2]\n"
                   "    see = causal_mask(T).to(q.device) & valid[:, None, None, :]\n"
                   "    see = see | ~valid[:, None, :, None]  # padding queries: anything, zeroed below\n"
                   "    out = scaled_dot_product_attention(q, k, v, see)\n"
                   "    return out * valid[:, None, :, None]")],
    },
    # one sequence at a time: gather the real tokens, causal attention among them, scatter into zeros
    "padded_loop_over_sequences": {
        "edits": [(NB, "padded_attention", PADDED_BODY,
                   "    out = torch.zeros(*q.shape[:-1], v.shape[-1], dtype=v.dtype, device=v.device)\n"
                   "    for b in range(q.shape[0]):\n"
                   "        idx = torch.where(valid[b])[0]\n"
                   "        if len(idx) > 0:\n"
                   "            out[b, :, idx] = scaled_dot_product_attention(\n"
                   "                q[b][:, idx], k[b][:, idx], v[b][:, idx], causal_mask(len(idx)).to(q.device))\n"
                   "    return out")],
    },
    # an additive mask of -1e9 with einsum, the weights multiplied by the mask afterwards
    "padded_additive_mask_einsum": {
        "edits": [(NB, "padded_attention", PADDED_BODY,
                   "    T, d_k = q.shape[-2], q.shape[-1]\n"
                   "    i = torch.arange(T, device=q.device)\n"
                   "    allowed = (i[None, :] <= i[:, None]) & valid[:, None, :] & valid[:, :, None]  # (B, T, T)\n"
                   "    allowed = allowed.unsqueeze(1)  # (B, 1, T, T)\n"
                   '    scores = torch.einsum("bhqd,bhkd->bhqk", q, k) / d_k ** 0.5\n'
                   "    scores = scores + torch.where(allowed, 0.0, -1e9)\n"
                   "    weights = softmax(scores, dim=-1) * allowed\n"
                   '    return torch.einsum("bhqk,bhkd->bhqd", weights, v)')],
    },
    # -inf for hidden scores: padding rows are NaN after the softmax, and set to 0 before they multiply v
    "padded_minus_inf_then_zero_weights": {
        "edits": [(NB, "padded_attention", "torch.finfo(scores.dtype).min", 'float("-inf")')],
    },
}
