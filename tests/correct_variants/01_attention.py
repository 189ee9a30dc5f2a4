"""Correct answers written differently from the reference: every test must pass them (bench/grading_quality.py)."""

NB = "attention.ipynb"

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
}
