"""Plausible wrong answers to Chapter 3's exercises; each must score strictly between 0 and full marks."""

WRONG_ANSWERS = {
    # targets equal to the inputs instead of the next tokens: the model would learn to copy
    "targets_not_shifted": {
        "edits": [("lm.ipynb", "sample_batch", "tokens[starts[:, None] + offsets + 1]",
                   "tokens[starts[:, None] + offsets]")],
        "loses": ["sample_batch_visible", "sample_batch_hidden"],
    },
    # starts drawn among len - T - 1 values: the last window (which ends with the last token) is never drawn
    "sample_batch_misses_last_start": {
        "edits": [("lm.ipynb", "sample_batch", "torch.randint(len(tokens) - block_size, ",
                   "torch.randint(len(tokens) - block_size - 1, ")],
        "loses": ["sample_batch_hidden"],
    },
    # the global random state instead of the generator: a run cannot be repeated
    "sample_batch_global_rng": {
        "edits": [("lm.ipynb", "sample_batch", "(batch_size,), generator=generator)", "(batch_size,))")],
        "loses": ["sample_batch_visible", "sample_batch_hidden"],
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
    # perplexity that forgets to pass ignore_index on: padding with another index counts as tokens
    "perplexity_drops_ignore_index": {
        "edits": [("lm.ipynb", "perplexity", "token_cross_entropy(logits, targets, ignore_index)",
                   "token_cross_entropy(logits, targets)")],
        "loses": ["perplexity_hidden"],
    },
    # post-norm blocks (the original transformer's placement) instead of the pre-norm the exercise asks for
    "post_norm": {
        "edits": [("lm.ipynb", "gpt", "x = x + self.attn(self.ln1(x))", "x = self.ln1(x + self.attn(x))"),
                  ("lm.ipynb", "gpt", "x = x + self.mlp(self.ln2(x))", "x = self.ln2(x + self.mlp(x))")],
        "loses": ["gpt_visible", "gpt_hidden"],
    },
    # gradients never cleared: every step adds the old gradients (train's visible test replays the loop with the
    # student's own train_step, so only train's hidden test, which uses the reference's, loses it there)
    "no_zero_grad": {
        "edits": [("lm.ipynb", "train_step", "optimizer.zero_grad(set_to_none=True)", "pass")],
        "loses": ["train_step_visible", "train_step_hidden", "train_hidden"],
    },
    # warm-up that starts one step late (0 at step 0)
    "warmup_off_by_one": {
        "edits": [("lm.ipynb", "lr_at", "max_lr * (step + 1) / warmup_steps", "max_lr * step / warmup_steps")],
        "loses": ["lr_at_visible", "lr_at_hidden", "train_visible", "train_hidden"],
    },
    # top-k that writes -inf into the caller's tensor
    "top_k_in_place": {
        "edits": [("decoding.ipynb", "top_k_filter", "logits.masked_fill(", "logits.masked_fill_(")],
        "loses": ["top_k_hidden"],
    },
    # top-p that also drops the token whose probability crosses p
    "top_p_drops_crossing_token": {
        "edits": [("decoding.ipynb", "top_p_filter", "remove_sorted = mass_before >= p",
                   "remove_sorted = torch.cumsum(probs, dim=-1) > p")],
        "loses": ["top_p_visible", "top_p_hidden", "generate_hidden"],
    },
    # the filters are computed but the sample is drawn from the temperature-scaled logits only
    "generate_samples_unfiltered": {
        "edits": [("decoding.ipynb", "generate", "                logits = top_k_filter(logits, top_k)",
                   "                filtered = top_k_filter(logits, top_k)"),
                  ("decoding.ipynb", "generate", "                logits = top_p_filter(logits, top_p)",
                   "                filtered = top_p_filter(logits, top_p)")],
        "loses": ["generate_visible", "generate_hidden"],
    },
    # top-p decided on the untempered distribution, temperature applied afterwards
    "generate_top_p_before_temperature": {
        "edits": [("decoding.ipynb", "generate", "            logits = apply_temperature(logits, temperature)\n", ""),
                  ("decoding.ipynb", "generate", "                logits = top_p_filter(logits, top_p)\n",
                   "                logits = top_p_filter(logits, top_p)\n"
                   "            logits = apply_temperature(logits, temperature)\n")],
        "loses": ["generate_hidden"],
    },
    # the global random state instead of the generator
    "generate_global_rng": {
        "edits": [("decoding.ipynb", "generate", "torch.multinomial(probs, 1, generator=generator)",
                   "torch.multinomial(probs, 1)")],
        "loses": ["generate_visible", "generate_hidden"],
    },
    # the context is not cropped: fails once the sequence is longer than block_size
    "generate_no_crop": {
        "edits": [("decoding.ipynb", "generate", "idx[:, -model.config.block_size:]", "idx")],
        "loses": ["generate_visible", "generate_hidden"],
    },
    # beam search that ranks extensions by the new token's log-probability only (greedy per word)
    "beam_greedy_per_word": {
        "edits": [("decoding.ipynb", "beam_search", "(scores[:, None] + log_probs).flatten()", "log_probs.flatten()")],
        "loses": ["beam_search_visible", "beam_search_hidden"],
    },
    # the beams are not cropped to block_size
    "beam_no_crop": {
        "edits": [("decoding.ipynb", "beam_search", "model(beams[:, -model.config.block_size:])", "model(beams)")],
        "loses": ["beam_search_hidden"],
    },
    # the new tokens get positions 0.. instead of P..: right from an empty cache only
    "kv_no_position_offset": {
        "edits": [("decoding.ipynb", "forward_with_cache", "torch.arange(P, P + T, device=idx.device)",
                   "torch.arange(T, device=idx.device)")],
        "loses": ["forward_with_cache_visible", "forward_with_cache_hidden"],
    },
    # the causal mask aligned top-left (as is_causal does for a non-square mask): new tokens miss cached ones
    "kv_mask_top_left": {
        "edits": [("decoding.ipynb", "forward_with_cache", ".tril(diagonal=P)", ".tril()")],
        "loses": ["forward_with_cache_visible", "forward_with_cache_hidden"],
    },
    # no mask among the new tokens: right one token at a time, wrong for a prompt given at once
    "kv_no_mask": {
        "edits": [("decoding.ipynb", "forward_with_cache", "scores.masked_fill(~mask, float(\"-inf\"))", "scores")],
        "loses": ["forward_with_cache_visible", "forward_with_cache_hidden"],
    },
    # the cache replaced by the new keys and values instead of extended
    "kv_cache_overwritten": {
        "edits": [("decoding.ipynb", "forward_with_cache",
                   "            k, v = torch.cat([kv[\"k\"], k], dim=2), torch.cat([kv[\"v\"], v], dim=2)",
                   "            pass")],
        "loses": ["forward_with_cache_visible", "forward_with_cache_hidden"],
    },
    # no length check: positions past block_size fail with an IndexError deep in the embedding, or worse
    "kv_no_length_check": {
        "edits": [("decoding.ipynb", "forward_with_cache", "    if P + T > model.config.block_size:\n"
                   "        raise ValueError("
                   "f\"{P} cached + {T} new positions > block_size={model.config.block_size}\")\n",
                   "")],
        "loses": ["forward_with_cache_hidden"],
    },
}
