"""Correct answers written differently from the reference: every test must pass them (bench/grading_quality.py)."""

LM = "lm.ipynb"
DEC = "decoding.ipynb"

# the reference's body of sample_batch, replaced whole by the variants that draw their windows differently
SAMPLE_BATCH_BODY = ("    starts = torch.randint(len(tokens) - block_size, (batch_size,), generator=generator)"
                     "  # 0 .. len-T-1\n"
                     "    offsets = torch.arange(block_size)\n"
                     "    x = tokens[starts[:, None] + offsets]  # (B, T)\n"
                     "    y = tokens[starts[:, None] + offsets + 1]  # (B, T): every position's next token\n"
                     "    return x, y")

CORRECT_VARIANTS = {
    # log_softmax, boolean selection of the real tokens and advanced indexing instead of logsumexp, gather and a mask
    "cross_entropy_by_selection": {
        "edits": [(LM, "token_cross_entropy",
                   "    log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)"
                   "  # stable log-softmax, (N, V)\n"
                   "    keep = targets != ignore_index  # (N,) True for real tokens, False for padding\n"
                   "    safe_targets = targets.masked_fill(~keep, 0)  # any valid index; those rows are zeroed below\n"
                   "    nll = -log_probs.gather(1, safe_targets.unsqueeze(1)).squeeze(1)"
                   "  # (N,) surprisal of each target\n"
                   "    return (nll * keep).sum() / keep.sum()",
                   "    keep = targets != ignore_index\n"
                   "    log_probs = torch.log_softmax(logits[keep], dim=-1)\n"
                   "    return -log_probs[torch.arange(len(log_probs)), targets[keep]].mean()")],
    },
    # exp as a method, through Python's e
    "perplexity_by_power": {
        "edits": [(LM, "perplexity", "    return torch.exp(token_cross_entropy(logits, targets, ignore_index))",
                   "    loss = token_cross_entropy(logits, targets, ignore_index=ignore_index)\n"
                   "    return math.e ** loss")],
    },
    # starts drawn by torch.multinomial over a uniform weight vector: another stream of random numbers
    "sample_batch_multinomial": {
        "edits": [(LM, "sample_batch",
                   "    starts = torch.randint(len(tokens) - block_size, (batch_size,), generator=generator)"
                   "  # 0 .. len-T-1",
                   "    weights = torch.ones(len(tokens) - block_size)\n"
                   "    starts = torch.multinomial(weights, batch_size, replacement=True, generator=generator)")],
    },
    # one draw per row, windows cut by slicing in a loop
    "sample_batch_loop": {
        "edits": [(LM, "sample_batch",
                   SAMPLE_BATCH_BODY,
                   "    xs, ys = [], []\n"
                   "    for _ in range(batch_size):\n"
                   "        s = int(torch.randint(0, len(tokens) - block_size, (1,), generator=generator))\n"
                   "        xs.append(tokens[s:s + block_size])\n"
                   "        ys.append(tokens[s + 1:s + block_size + 1])\n"
                   "    return torch.stack(xs), torch.stack(ys)")],
    },
    # every window of length T + 1 by unfold; uniform floats scaled to an index
    "sample_batch_unfold_rand": {
        "edits": [(LM, "sample_batch",
                   SAMPLE_BATCH_BODY,
                   "    windows = tokens.unfold(0, block_size + 1, 1)  # (L - T, T + 1)\n"
                   "    u = torch.rand(batch_size, generator=generator)\n"
                   "    rows = windows[(u * len(windows)).long().clamp(max=len(windows) - 1)]\n"
                   "    return rows[:, :-1], rows[:, 1:]")],
    },
    # tying the other way round, positions read from the table's weight, blocks added in a loop
    "gpt_written_differently": {
        "edits": [
            (LM, "gpt", "        self.blocks = nn.ModuleList([Block(config) for _ in range(config.n_layers)])",
             "        self.blocks = nn.ModuleList()\n"
             "        for _ in range(config.n_layers):\n"
             "            self.blocks.append(Block(config))"),
            (LM, "gpt", "        self.head.weight = self.tok_emb.weight"
             "  # weight tying: one matrix embeds and un-embeds tokens",
             "        self.tok_emb.weight = self.head.weight"),
            (LM, "gpt", "        pos = torch.arange(T, device=idx.device)\n"
             "        x = self.tok_emb(idx) + self.pos_emb(pos)  # (B, T, d_model)",
             "        x = self.tok_emb(idx) + self.pos_emb.weight[:T]"),
            (LM, "gpt", "        x = x + self.attn(self.ln1(x))  # tokens read from earlier tokens\n"
             "        x = x + self.mlp(self.ln2(x))  # each token thinks on its own\n        return x",
             "        h = x + self.attn(self.ln1(x))\n        return h + self.mlp(self.ln2(h))"),
        ],
    },
    # gradients cleared before the forward pass, with the default zero_grad; the loss read with float()
    "train_step_reordered": {
        "edits": [(LM, "train_step",
                   "    loss = token_cross_entropy(model(x), y)\n"
                   "    optimizer.zero_grad(set_to_none=True)  # gradients accumulate otherwise\n",
                   "    optimizer.zero_grad()\n"
                   "    loss = token_cross_entropy(model(x), y)\n"),
                  (LM, "train_step", "    return loss.item()", "    return float(loss.detach())")],
    },
    # the schedule as one expression per phase, the end checked first
    "lr_at_rewritten": {
        "edits": [(LM, "lr_at",
                   "    if step < warmup_steps:\n"
                   "        return max_lr * (step + 1) / warmup_steps\n"
                   "    if step >= total_steps:\n"
                   "        return min_lr\n",
                   "    if step >= total_steps:\n"
                   "        return min_lr\n"
                   "    if step < warmup_steps:\n"
                   "        return (step + 1) / warmup_steps * max_lr\n")],
    },
    # a while loop, the learning rate set through a list of groups, the callback tested by truthiness
    "train_while_loop": {
        "edits": [(LM, "train",
                   "    for step in tqdm(range(config.steps), desc=\"training\", disable=not progress):\n"
                   "        lr = lr_at(step, config.max_lr, config.min_lr, config.warmup_steps, config.steps)\n"
                   "        for group in optimizer.param_groups:\n"
                   "            group[\"lr\"] = lr\n"
                   "        x, y = sample_batch(tokens, config.batch_size, model.config.block_size, generator)\n"
                   "        losses.append(train_step(model, optimizer, x, y, config.max_grad_norm))\n"
                   "        if callback is not None and callback(step, losses[-1]):\n"
                   "            break\n",
                   "    bar = tqdm(total=config.steps, disable=not progress)\n"
                   "    step = 0\n"
                   "    while step < config.steps:\n"
                   "        lr = lr_at(step, config.max_lr, config.min_lr, config.warmup_steps, config.steps)\n"
                   "        [group.update(lr=lr) for group in optimizer.param_groups]\n"
                   "        xb, yb = sample_batch(tokens, config.batch_size, model.config.block_size, generator)\n"
                   "        loss = train_step(model, optimizer, xb, yb, max_grad_norm=config.max_grad_norm)\n"
                   "        losses.append(loss)\n"
                   "        bar.update(1)\n"
                   "        if callback and callback(step, loss):\n"
                   "            break\n"
                   "        step += 1\n"
                   "    bar.close()\n")],
    },
    # multiply by the inverse temperature
    "temperature_by_inverse": {
        "edits": [(DEC, "apply_temperature", "    return logits / temperature",
                   "    return logits * (1.0 / temperature)")],
    },
    # the k-th largest value read from a full sort
    "top_k_via_sort": {
        "edits": [(DEC, "top_k_filter",
                   "    k = min(k, logits.shape[-1])\n"
                   "    kth_largest = torch.topk(logits, k, dim=-1).values[..., -1:]  # (..., 1)\n",
                   "    k = min(k, logits.shape[-1])\n"
                   "    kth_largest = logits.sort(dim=-1, descending=True).values[..., k - 1:k]\n")],
    },
    # Hugging Face's formulation: ascending sort, remove the tokens whose cumulative mass from below is <= 1 - p
    "top_p_ascending": {
        "edits": [(DEC, "top_p_filter",
                   "    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)\n"
                   "    probs = torch.softmax(sorted_logits, dim=-1)\n"
                   "    mass_before = torch.cumsum(probs, dim=-1) - probs  # mass of the more likely tokens, (..., V)\n"
                   "    remove_sorted = mass_before >= p  # the first token has mass_before 0 and is always kept\n",
                   "    sorted_logits, order = torch.sort(logits, dim=-1)\n"
                   "    mass_up_to = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1)\n"
                   "    remove_sorted = mass_up_to <= 1 - p\n"
                   "    remove_sorted[..., -1] = False  # the most likely token stays\n")],
    },
    # a row-by-row loop that keeps tokens until the mass reaches p, scattering with index_put
    "top_p_loop": {
        "edits": [(DEC, "top_p_filter",
                   "    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)\n"
                   "    probs = torch.softmax(sorted_logits, dim=-1)\n"
                   "    mass_before = torch.cumsum(probs, dim=-1) - probs  # mass of the more likely tokens, (..., V)\n"
                   "    remove_sorted = mass_before >= p  # the first token has mass_before 0 and is always kept\n"
                   "    remove = remove_sorted.scatter(-1, order, remove_sorted)  # back to the original token order\n"
                   "    return logits.masked_fill(remove, float(\"-inf\"))",
                   "    rows = logits.reshape(-1, logits.shape[-1])\n"
                   "    out = torch.full_like(rows, float(\"-inf\"))\n"
                   "    for r in range(len(rows)):\n"
                   "        probs = torch.softmax(rows[r], dim=-1)\n"
                   "        mass = 0.0\n"
                   "        for i in torch.argsort(probs, descending=True).tolist():\n"
                   "            if mass >= p:\n"
                   "                break\n"
                   "            out[r, i] = rows[r, i]\n"
                   "            mass += probs[i].item()\n"
                   "    return out.reshape(logits.shape)")],
    },
    # inverse-CDF sampling with torch.rand: one uniform number per row, searchsorted in the cumulative mass
    "generate_inverse_cdf": {
        "edits": [(DEC, "generate",
                   "            next_token = torch.multinomial(probs, 1, generator=generator)  # (B, 1)",
                   "            cdf = probs.double().cumsum(dim=-1)  # (B, V); float64: u below the total for sure\n"
                   "            u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64)"
                   " * cdf[:, -1:]\n"
                   "            next_token = torch.searchsorted(cdf, u, right=True)")],
    },
    # the Gumbel-max trick: argmax of the logits plus Gumbel noise is a sample of their softmax
    "generate_gumbel_max": {
        "edits": [(DEC, "generate",
                   "            probs = torch.softmax(logits, dim=-1)\n"
                   "            next_token = torch.multinomial(probs, 1, generator=generator)  # (B, 1)",
                   "            u = torch.rand(logits.shape, generator=generator).clamp_min(1e-12)\n"
                   "            next_token = (logits - torch.log(-torch.log(u))).argmax(dim=-1, keepdim=True)")],
    },
    # candidates sorted instead of topk, parents by divmod, one row per beam in a Python loop
    "beam_search_sorted_loop": {
        "edits": [(DEC, "beam_search",
                   "        candidates = (scores[:, None] + log_probs).flatten()"
                   "  # (n_beams * V,) every one-token extension\n"
                   "        top = torch.topk(candidates, min(beam_width, candidates.numel()))  # sorted, best first\n"
                   "        parent, token = top.indices // V, top.indices % V\n"
                   "        beams = torch.cat([beams[parent], token[:, None]], dim=1)\n"
                   "        scores = top.values",
                   "        candidates = torch.stack([scores[b] + log_probs[b] for b in range(len(beams))]).flatten()\n"
                   "        values, indices = torch.sort(candidates, descending=True)\n"
                   "        kept = indices[:beam_width].tolist()\n"
                   "        beams = torch.stack([torch.cat([beams[c // V], torch.tensor([c % V])]) for c in kept])\n"
                   "        scores = values[:beam_width]")],
    },
    # one new position at a time: each query sees every key in the cache, so no mask is needed
    "kv_one_position_at_a_time": {
        "edits": [(DEC, "forward_with_cache",
                   "    x = model.tok_emb(idx) + model.pos_emb(torch.arange(P, P + T, device=idx.device))"
                   "  # (B, T, d): positions P..\n",
                   "    if T > 1:\n"
                   "        parts = [forward_with_cache(model, idx[:, t:t + 1], cache) for t in range(T)]\n"
                   "        return torch.cat(parts, dim=1)\n"
                   "    x = model.tok_emb(idx) + model.pos_emb(torch.arange(P, P + T, device=idx.device))"
                   "  # (B, T, d): positions P..\n")],
    },
    # PyTorch's fused attention with an explicit boolean mask (its is_causal aligns the mask top-left)
    "kv_sdpa_explicit_mask": {
        "edits": [(DEC, "forward_with_cache",
                   "        scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)  # (B, h, T, P + T)\n"
                   "        weights = torch.softmax(scores.masked_fill(~mask, float(\"-inf\")), dim=-1)\n"
                   "        x = x + attn.out_proj((weights @ v).transpose(1, 2).reshape(B, T, C))  # (B, T, d)\n",
                   "        y = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)\n"
                   "        x = x + attn.out_proj(y.transpose(1, 2).reshape(B, T, C))\n")],
    },
}
