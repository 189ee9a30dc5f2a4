"""Correct answers written differently from the reference: every test must pass them (bench/grading_quality.py)."""

NB = "rlhf.ipynb"
BT = "    return -F.logsigmoid(chosen - rejected).mean()  # logsigmoid is stable where σ underflows"
RM_FORWARD = (
    "        trunk = self.trunk\n"
    "        positions = torch.arange(tokens.shape[1], device=tokens.device)\n"
    "        x = trunk.tok_emb(tokens) + trunk.pos_emb(positions)  # (B, T, d_model)\n"
    "        for block in trunk.blocks:\n"
    "            x = block(x)\n"
    "        x = trunk.ln_f(x)  # (B, T, d_model): the vectors the language head would read\n"
    "        scores = self.head(x[:, self.prompt_len:]).squeeze(-1)  # (B, T - prompt_len): one per completion token\n"
    "        return scores.sum(-1)  # (B,)")
TRAIN_LOOP = (
    "    for _ in range(steps):\n"
    "        idx = torch.randint(len(chosen), (batch_size,), generator=generator)  # (b,) pairs of this step\n")
LOGP = (
    "    logits = model(tokens[:, :-1])  # (B, T-1, V): position t predicts token t+1\n"
    "    log_probs = torch.log_softmax(logits, dim=-1)\n"
    "    taken = log_probs.gather(-1, tokens[:, 1:].unsqueeze(-1)).squeeze(-1)  # (B, T-1): ln π of each next token\n"
    "    return taken[:, prompt_len - 1:].sum(-1)  # (B,): tokens prompt_len .. T-1 are the completion")
SAMPLE = ("        tokens = generate(policy, prompts.repeat_interleave(n_samples, 0), n_new, generator=generator)"
          "  # (B, T)")
BASELINE = "    baseline = (grouped.sum(1, keepdim=True) - grouped) / (n_samples - 1)  # (P, K): mean of the others"
DPO = ("    margin = (log_probs_chosen - ref_chosen.detach()) - (log_probs_rejected - ref_rejected.detach())  # (B,)\n"
       "    return -F.logsigmoid(beta * margin).mean()")

CORRECT_VARIANTS = {
    # ln of σ in two steps: stable for the margins a reward model reaches
    "bt_log_of_sigmoid": {"edits": [(NB, "bradley_terry_loss", BT,
                                     "    return -torch.log(torch.sigmoid(chosen - rejected)).mean()")]},
    # -ln σ(m) = softplus(-m)
    "bt_softplus": {"edits": [(NB, "bradley_terry_loss", BT, "    return F.softplus(rejected - chosen).mean()")]},
    # the trunk's own forward with its language head replaced by the identity, and a mask over the prompt
    "rm_identity_head_and_mask": {
        "edits": [(NB, "RewardModel",
                   "        self.trunk = copy.deepcopy(gpt)  # its own weights: training the reward model must "
                   "not move the policy\n",
                   "        self.trunk = copy.deepcopy(gpt)\n        self.trunk.head = nn.Identity()\n"),
                  (NB, "RewardModel", RM_FORWARD,
                   "        x = self.trunk(tokens)  # (B, T, d_model): ln_f's output, the head is the identity\n"
                   "        keep = (torch.arange(tokens.shape[1]) >= self.prompt_len).float()  # (T,)\n"
                   "        return (self.head(x).squeeze(-1) * keep).sum(-1)")],
    },
    # batches of a shuffled order without replacement, reshuffled when it runs out
    "train_shuffled_batches": {
        "edits": [(NB, "train_reward_model", TRAIN_LOOP,
                   "    order, start = torch.randperm(len(chosen), generator=generator), 0\n"
                   "    for _ in range(steps):\n"
                   "        if start + batch_size > len(order):\n"
                   "            order, start = torch.randperm(len(chosen), generator=generator), 0\n"
                   "        idx = order[start:start + batch_size]\n"
                   "        start += batch_size\n")],
    },
    # cross-entropy of the completion's targets
    "logp_cross_entropy": {
        "edits": [(NB, "sequence_log_probs", LOGP,
                   "    logits = model(tokens[:, :-1])[:, prompt_len - 1:]  # (B, T - prompt_len, V)\n"
                   "    targets = tokens[:, prompt_len:]  # (B, T - prompt_len)\n"
                   "    return -F.cross_entropy(logits.transpose(1, 2), targets, reduction=\"none\").sum(-1)")],
    },
    # torch.distributions, summed by a loop over the completion's positions
    "logp_distributions_loop": {
        "edits": [(NB, "sequence_log_probs", LOGP,
                   "    logits = model(tokens[:, :-1])\n"
                   "    total = torch.zeros(tokens.shape[0])\n"
                   "    for t in range(prompt_len, tokens.shape[1]):\n"
                   "        dist = torch.distributions.Categorical(logits=logits[:, t - 1])\n"
                   "        total = total + dist.log_prob(tokens[:, t])\n"
                   "    return total")],
    },
    # the penalty under no_grad instead of detach
    "kl_no_grad": {
        "edits": [(NB, "kl_penalised_rewards", "    return (rewards - beta * (log_probs - ref_log_probs)).detach()",
                   "    with torch.no_grad():\n        return rewards - beta * (log_probs - ref_log_probs)")],
    },
    # the completions of one prompt at a time (another order of random draws), the baseline by a loop
    "update_one_prompt_at_a_time_loop_baseline": {
        "edits": [(NB, "rlhf_update", SAMPLE,
                   "        tokens = torch.cat([generate(policy, p[None].repeat(n_samples, 1), n_new, "
                   "generator=generator)\n                            for p in prompts])  # (B, T)"),
                  (NB, "rlhf_update", BASELINE,
                   "    baseline = torch.zeros_like(grouped)\n"
                   "    for k in range(n_samples):\n"
                   "        others = [j for j in range(n_samples) if j != k]\n"
                   "        baseline[:, k] = grouped[:, others].mean(1)")],
    },
    # sample-major order: all prompts once, then again K times; the groups are the columns
    "update_sample_major": {
        "edits": [(NB, "rlhf_update", SAMPLE,
                   "        tokens = generate(policy, prompts.repeat(n_samples, 1), n_new, "
                   "generator=generator)  # (B, T)"),
                  (NB, "rlhf_update", "    grouped = penalised.view(-1, n_samples)  # (P, K): the samples of one "
                   "prompt share a row\n" + BASELINE + "\n"
                   "    loss = reinforce_loss(log_probs, (grouped - baseline).view(-1), n_episodes=len(tokens))",
                   "    grouped = penalised.view(n_samples, -1)  # (K, P): a prompt's samples share a column\n"
                   "    baseline = (grouped.sum(0, keepdim=True) - grouped) / (n_samples - 1)\n"
                   "    loss = -((grouped - baseline).reshape(-1) * log_probs).mean()")],
    },
    # the implicit rewards first, then Bradley–Terry as softplus
    "dpo_implicit_rewards_softplus": {
        "edits": [(NB, "dpo_loss", DPO,
                   "    r_w = beta * (log_probs_chosen - ref_chosen.detach())\n"
                   "    r_l = beta * (log_probs_rejected - ref_rejected.detach())\n"
                   "    return F.softplus(r_l - r_w).mean()")],
    },
    # ln of σ in two steps
    "dpo_log_of_sigmoid": {
        "edits": [(NB, "dpo_loss", DPO,
                   "    margin = (log_probs_chosen - ref_chosen.detach()) - "
                   "(log_probs_rejected - ref_rejected.detach())\n"
                   "    return -torch.log(torch.sigmoid(beta * margin)).mean()")],
    },
}
