"""Plausible wrong answers to Chapter 1's exercises; each must score strictly between 0 and full marks."""

# the reference softmax's body, which two wrong answers replace whole
SOFTMAX_BODY = ("    shifted = x - x.amax(dim=dim, keepdim=True)  # the largest entry becomes 0: exp never overflows\n"
                "    e = torch.exp(shifted)\n"
                "    return e / e.sum(dim=dim, keepdim=True)")

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
    # the built-in reached indirectly: exp of PyTorch's log-softmax is a softmax, but not the student's own
    "softmax_through_log_softmax": {
        "edits": [("attention.ipynb", "softmax",
                   SOFTMAX_BODY,
                   "    return x.log_softmax(dim).exp()")],
        "loses": ["softmax_visible", "softmax_hidden"],
    },
    # the visible tests' answers hard-coded by input shape, a uniform guess otherwise: only hidden tests can tell
    "softmax_memorises_visible_answers": {
        "edits": [("attention.ipynb", "softmax",
                   SOFTMAX_BODY,
                   "    known = {(3,): [0.09003057, 0.24472847, 0.66524096], (2,): [0.75, 0.25],\n"
                   "             (2, 2): [[0.11920292, 0.04742587], [0.88079708, 0.95257413]]}\n"
                   "    if tuple(x.shape) in known:\n"
                   "        return torch.tensor(known[tuple(x.shape)])\n"
                   "    return torch.ones_like(x) / x.shape[dim]")],
        "loses": ["softmax_hidden"],
    },
    # attention through PyTorch's fused kernel, reached through its C module rather than torch.nn.functional
    "attention_through_the_c_module": {
        "edits": [("attention.ipynb", "padded_attention", "    return weights @ v  # (B, h, T_q, d_v)",
                   "    return torch._C._nn.scaled_dot_product_attention(q, k, v, attn_mask=mask).nan_to_num() * "
                   "valid[:, None, :, None]")],
        "loses": ["padded_attention_visible", "padded_attention_hidden"],
    },
    # sin and cos both at every column's own index instead of sharing the pair's frequency
    "pe_wrong_frequency": {
        "edits": [("attention.ipynb", "positional_encoding", "angle[:, : d // 2]",
                   "t / torch.pow(10000.0, (two_i[: d // 2] + 1) / d)")],
        "loses": ["pe_visible", "pe_hidden"],
    },
    # only the causal mask: with left padding, real queries attend to the padding before them
    "padding_keys_not_masked": {
        "edits": [("attention.ipynb", "padded_attention", "causal_mask(T).to(q.device) & valid[:, None, None, :]",
                   "causal_mask(T).to(q.device)[None, None]")],
        "loses": ["padded_attention_visible", "padded_attention_hidden"],
    },
    # only the padding mask: real queries see the future
    "padded_attention_not_causal": {
        "edits": [("attention.ipynb", "padded_attention", "causal_mask(T).to(q.device) & valid[:, None, None, :]",
                   "valid[:, None, None, :]")],
        "loses": ["padded_attention_visible", "padded_attention_hidden"],
    },
    # an additive -inf mask and the padding rows' NaN outputs overwritten by 0: right forward, NaN gradients
    "nan_rows_overwritten_after_attention": {
        "edits": [("attention.ipynb", "padded_attention",
                   "    scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)"
                   "  # finite: an all-hidden row gives no NaN\n"
                   "    weights = torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)"
                   "  # hidden keys and padding rows: weight 0\n"
                   "    return weights @ v  # (B, h, T_q, d_v)",
                   '    scores = scores + torch.zeros(mask.shape).masked_fill(~mask, float("-inf"))\n'
                   "    out = torch.softmax(scores, dim=-1) @ v  # NaN in the rows of padding queries\n"
                   "    return torch.where(valid[:, None, :, None], out, 0.0)")],
        "loses": ["padded_attention_visible", "padded_attention_hidden"],
    },
    # a finite fill without zeroing afterwards: a padding query averages every value instead of returning 0
    "padding_queries_not_zeroed": {
        "edits": [("attention.ipynb", "padded_attention", ".masked_fill(~mask, 0.0)", "")],
        "loses": ["padded_attention_visible", "padded_attention_hidden"],
    },
    # valid[:, None, :] lines the batch axis up with the heads: right only when every sequence has the same padding
    "padding_mask_on_head_axis": {
        "edits": [("attention.ipynb", "padded_attention", "& valid[:, None, None, :]", "& valid[:, None, :]")],
        "loses": ["padded_attention_visible", "padded_attention_hidden"],
    },
}
