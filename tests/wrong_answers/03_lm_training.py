"""Plausible wrong answers to Chapter 3's exercises; each must score strictly between 0 and full marks."""

WRONG_ANSWERS = {
    # targets equal to the inputs instead of the next tokens: the model would learn to copy
    "targets_not_shifted": {
        "edits": [("lm.ipynb", "sample_batch", "tokens[starts[:, None] + offsets + 1]",
                   "tokens[starts[:, None] + offsets]")],
        "loses": ["sample_batch_visible", "sample_batch_hidden", "train_visible", "train_hidden"],
    },
    # the mean runs over padding positions too
    "mean_over_padding": {
        "edits": [("lm.ipynb", "token_cross_entropy", "(nll * keep).sum() / keep.sum()", "(nll * keep).mean()")],
        "loses": ["token_cross_entropy_visible", "token_cross_entropy_hidden", "perplexity_hidden"],
    },
    # log of the softmax: -inf (then nan) for large logits
    "unstable_log_softmax": {
        "edits": [("lm.ipynb", "token_cross_entropy", "logits - torch.logsumexp(logits, dim=-1, keepdim=True)",
                   "torch.log(torch.exp(logits) / torch.exp(logits).sum(dim=-1, keepdim=True))")],
        "loses": ["token_cross_entropy_visible", "token_cross_entropy_hidden"],
    },
    # post-norm blocks (the original transformer's placement) instead of the pre-norm the exercise asks for
    "post_norm": {
        "edits": [("lm.ipynb", "gpt", "x = x + self.attn(self.ln1(x))", "x = self.ln1(x + self.attn(x))"),
                  ("lm.ipynb", "gpt", "x = x + self.mlp(self.ln2(x))", "x = self.ln2(x + self.mlp(x))")],
        "loses": ["gpt_visible", "gpt_hidden"],
    },
    # gradients never cleared: every step adds the old gradients
    "no_zero_grad": {
        "edits": [("lm.ipynb", "train_step", "optimizer.zero_grad(set_to_none=True)", "pass")],
        "loses": ["train_step_hidden", "train_visible", "train_hidden"],
    },
    # warm-up that starts one step late (0 at step 0)
    "warmup_off_by_one": {
        "edits": [("lm.ipynb", "lr_at", "max_lr * (step + 1) / warmup_steps", "max_lr * step / warmup_steps")],
        "loses": ["lr_at_visible", "lr_at_hidden", "train_visible", "train_hidden"],
    },
    # top-p that also drops the token whose probability crosses p
    "top_p_drops_crossing_token": {
        "edits": [("decoding.ipynb", "top_p_filter", "remove_sorted = mass_before >= p",
                   "remove_sorted = torch.cumsum(probs, dim=-1) > p")],
        "loses": ["top_p_visible", "top_p_hidden", "generate_hidden"],
    },
    # beam search that ranks extensions by the new token's log-probability only (greedy per word)
    "beam_greedy_per_word": {
        "edits": [("decoding.ipynb", "beam_search", "(scores[:, None] + log_probs).flatten()", "log_probs.flatten()")],
        "loses": ["beam_search_visible", "beam_search_hidden"],
    },
}
