"""Correct answers written differently from the reference: every test must pass them (bench/grading_quality.py)."""

NB = "policy_gradients.ipynb"

CORRECT_VARIANTS = {
    # a list built backwards with torch.where at episode ends, then stacked
    "reward_to_go_stacked_with_where": {
        "edits": [(NB, "reward_to_go",
                   "    not_done = torch.ones_like(rewards) if dones is None else 1.0 - dones.to(rewards.dtype)\n"
                   "    G = torch.zeros_like(rewards)\n"
                   "    g = torch.zeros_like(rewards[0])  # (N,) or (): the return after the last reward, "
                   "nothing more comes\n"
                   "    for t in reversed(range(rewards.shape[0])):\n"
                   "        g = rewards[t] + gamma * not_done[t] * g\n"
                   "        G[t] = g\n"
                   "    return G",
                   "    ends = torch.zeros_like(rewards, dtype=torch.bool) if dones is None else dones.bool()\n"
                   "    out, g = [], torch.zeros_like(rewards[0])\n"
                   "    for r, end in zip(rewards.flip(0), ends.flip(0)):\n"
                   "        g = torch.where(end, r, r + gamma * g)\n"
                   "        out.append(g)\n"
                   "    return torch.stack(out[::-1])")],
    },
    # the weights computed under no_grad, the sum written as a mean times the number of steps
    "loss_no_grad_weights_mean_times_n": {
        "edits": [(NB, "reinforce_loss",
                   "    weights = returns if baseline is None else returns - baseline\n"
                   "    return -(weights.detach() * log_probs).sum() / n_episodes",
                   "    with torch.no_grad():\n"
                   "        weights = returns - (0.0 if baseline is None else baseline)\n"
                   "    return -(weights * log_probs).mean() * log_probs.numel() / n_episodes")],
    },
    # inverse-CDF sampling with one uniform per row from the generator
    "policy_inverse_cdf": {
        "edits": [(NB, "CategoricalPolicy",
                   "        actions = torch.multinomial(log_p.exp(), 1, generator=generator).squeeze(-1)  # (B,)\n",
                   "        u = torch.rand(obs.shape[0], 1, generator=generator)  # (B, 1)\n"
                   "        actions = (log_p.exp().cumsum(-1) < u).sum(-1).clamp(max=log_p.shape[-1] - 1)  # (B,)\n")],
    },
    # Gumbel-max sampling; forward returns log-probabilities (valid logits); log_prob by indexing
    "policy_gumbel_max_log_probs": {
        "edits": [(NB, "CategoricalPolicy", "        return self.net(obs)\n",
                   "        return torch.log_softmax(self.net(obs), dim=-1)\n"),
                  (NB, "CategoricalPolicy",
                   "        actions = torch.multinomial(log_p.exp(), 1, generator=generator).squeeze(-1)  # (B,)\n",
                   "        u = torch.rand(log_p.shape, generator=generator).clamp_min(1e-12)\n"
                   "        actions = (log_p.detach() - torch.log(-torch.log(u))).argmax(-1)  # (B,)\n"),
                  (NB, "CategoricalPolicy",
                   "        return torch.log_softmax(self(obs), dim=-1).gather(-1, actions[:, None]).squeeze(-1)",
                   "        log_p = self(obs).log_softmax(-1)\n"
                   "        return log_p[torch.arange(len(actions)), actions]")],
    },
    # G_1 by keepdim and expand, log-probabilities from the logits, mse_loss, set_to_none
    "update_written_differently": {
        "edits": [(NB, "reinforce_update", "rewards.sum(0).expand_as(rewards)",
                   "rewards.sum(0, keepdim=True).expand(rewards.shape[0], -1)"),
                  (NB, "reinforce_update", "    log_probs = policy.log_prob(x, a)  # (M,), with gradients\n",
                   "    log_probs = torch.log_softmax(policy(x), dim=-1)[torch.arange(len(a)), a]\n"),
                  (NB, "reinforce_update", "value_loss(value(x), G / config.value_scale).backward()",
                   "torch.nn.functional.mse_loss(value(x), G / config.value_scale).backward()"),
                  (NB, "reinforce_update", "opt_v.zero_grad()", "opt_v.zero_grad(set_to_none=True)"),
                  (NB, "reinforce_update", "opt_pi.zero_grad()", "opt_pi.zero_grad(set_to_none=True)")],
    },
    # the value network created (and initialised from torch's random state) before the policy
    "loop_value_network_first": {
        "edits": [(NB, "reinforce",
                   "        policy = CategoricalPolicy(obs_dim, n_actions, config.hidden).to(device)\n"
                   "        value = ValueNetwork(obs_dim, config.hidden).to(device)\n",
                   "        value = ValueNetwork(obs_dim, config.hidden).to(device)\n"
                   "        policy = CategoricalPolicy(obs_dim, n_actions, config.hidden).to(device)\n")],
    },
    # the episodes' seeds drawn from the torch generator instead of rng
    "loop_seeds_from_the_generator": {
        "edits": [(NB, "reinforce",
                   "batch = collect_episodes(envs, policy, int(rng.integers(2**31)), generator, device)",
                   "batch = collect_episodes(envs, policy, int(torch.randint(2**31 - 1, (1,), generator=generator)),\n"
                   "                                    generator, device)")],
    },
}
