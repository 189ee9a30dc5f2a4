"""Plausible wrong answers to Chapter 1's exercises; each must score strictly between 0 and full marks."""

WRONG_ANSWERS = {
    # attention without the 1/sqrt(d_k) scaling: the softmax saturates for large d_k
    "no_sqrt_scaling": {
        "edits": [("attention.ipynb", "scaled_dot_product_attention", " / math.sqrt(d_k)", "")],
        "loses": ["sdpa_visible", "sdpa_hidden", "mhsa_visible", "mhsa_hidden"],
    },
    # a causal mask that lets each token see the next one too (off by one above the diagonal)
    "mask_sees_next_token": {
        "edits": [("attention.ipynb", "causal_mask", "dtype=torch.bool))", "dtype=torch.bool), diagonal=1)")],
        "loses": ["causal_mask_visible", "causal_mask_hidden", "mhsa_visible", "mhsa_hidden"],
    },
    # both mistakes at once, the case named in the course pipeline issue
    "no_scaling_and_leaky_mask": {
        "edits": [
            ("attention.ipynb", "scaled_dot_product_attention", " / math.sqrt(d_k)", ""),
            ("attention.ipynb", "causal_mask", "dtype=torch.bool))", "dtype=torch.bool), diagonal=1)"),
        ],
        "loses": ["causal_mask_visible", "causal_mask_hidden", "sdpa_visible", "sdpa_hidden",
                  "mhsa_visible", "mhsa_hidden"],
    },
    # softmax that subtracts nothing: overflows on logits of 1e4
    "unstable_softmax": {
        "edits": [("attention.ipynb", "softmax", "x - x.amax(dim=dim, keepdim=True)", "x")],
        "loses": ["softmax_visible", "softmax_hidden"],
    },
    # sin and cos both at every column's own index instead of sharing the pair's frequency
    "pe_wrong_frequency": {
        "edits": [("attention.ipynb", "positional_encoding", "angle[:, : d // 2]",
                   "t / torch.pow(10000.0, (two_i[: d // 2] + 1) / d)")],
        "loses": ["pe_visible", "pe_hidden"],
    },
}
