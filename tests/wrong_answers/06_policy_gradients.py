"""Plausible wrong answers to Chapter 6's exercises; each must score strictly between 0 and full marks."""

NB = "policy_gradients.ipynb"
LOSS = "    return -(weights.detach() * log_probs).sum() / n_episodes"
VALUE_FIT = ("        for _ in range(config.value_steps):\n"
             "            opt_v.zero_grad()\n"
             "            value_loss(value(x), G / config.value_scale).backward()\n"
             "            opt_v.step()\n")

WRONG_ANSWERS = {
    # returns not reset between episodes: `dones` ignored, the next episode's rewards flow back
    "returns_not_reset_between_episodes": {
        "edits": [(NB, "reward_to_go",
                   "not_done = torch.ones_like(rewards) if dones is None else 1.0 - dones.to(rewards.dtype)",
                   "not_done = torch.ones_like(rewards)")],
        "loses": ["returns_visible", "returns_hidden"],
    },
    # reward-to-go summed from the episode start: the recursion run forwards (a discounted cumulative sum)
    "reward_to_go_summed_from_the_start": {
        "edits": [(NB, "reward_to_go", "for t in reversed(range(rewards.shape[0])):",
                   "for t in range(rewards.shape[0]):")],
        "loses": ["returns_visible", "returns_hidden"],
    },
    # G_1, the whole discounted return from the start, at every step: no causality
    "g1_at_every_step": {
        "edits": [(NB, "reward_to_go", "    return G", "    return G[:1].expand_as(G).clone()")],
        "loses": ["returns_visible", "returns_hidden"],
    },
    # the discount forgotten: G_t = R_{t+1} + G_{t+1}
    "no_discount": {
        "edits": [(NB, "reward_to_go", "g = rewards[t] + gamma * not_done[t] * g", "g = rewards[t] + not_done[t] * g")],
        "loses": ["returns_visible", "returns_hidden", "update_visible", "update_hidden"],
    },
    # the baseline's gradient flows into the policy loss: the weights are not detached
    "baseline_gradient_flows_into_the_loss": {
        "edits": [(NB, "reinforce_loss", LOSS, "    return -(weights * log_probs).sum() / n_episodes")],
        "loses": ["loss_visible", "loss_hidden"],
    },
    # the sign of the surrogate flipped: gradient descent then lowers the return
    "surrogate_sign_flipped": {
        "edits": [(NB, "reinforce_loss", LOSS, "    return (weights.detach() * log_probs).sum() / n_episodes")],
        "loses": ["loss_visible", "loss_hidden", "update_visible", "update_hidden", "loop_visible", "loop_hidden"],
    },
    # the mean over steps instead of the sum over steps divided by the episodes
    "mean_over_steps_not_episodes": {
        "edits": [(NB, "reinforce_loss", LOSS, "    return -(weights.detach() * log_probs).mean()")],
        "loses": ["loss_visible", "loss_hidden", "update_visible", "update_hidden"],
    },
    # the baseline accepted but never subtracted: unbiased, but no variance reduction
    "baseline_ignored": {
        "edits": [(NB, "reinforce_loss", "weights = returns if baseline is None else returns - baseline",
                   "weights = returns")],
        "loses": ["loss_visible", "loss_hidden", "update_visible"],
    },
    # the softmax over the batch axis instead of the actions
    "softmax_over_the_batch_axis": {
        "edits": [(NB, "CategoricalPolicy", "log_p = torch.log_softmax(self(obs), dim=-1)  # (B, A)",
                   "log_p = torch.log_softmax(self(obs), dim=0)  # (B, A)"),
                  (NB, "CategoricalPolicy",
                   "return torch.log_softmax(self(obs), dim=-1).gather(-1, actions[:, None]).squeeze(-1)",
                   "return torch.log_softmax(self(obs), dim=0).gather(-1, actions[:, None]).squeeze(-1)")],
        "loses": ["policy_visible", "policy_hidden"],
    },
    # the log-probability of the most likely action, not of the action taken
    "log_prob_of_the_likeliest_action": {
        "edits": [(NB, "CategoricalPolicy",
                   "return torch.log_softmax(self(obs), dim=-1).gather(-1, actions[:, None]).squeeze(-1)",
                   "return torch.log_softmax(self(obs), dim=-1).max(-1).values")],
        "loses": ["policy_visible", "policy_hidden"],
    },
    # the greedy action instead of a sample: no exploration
    "sample_takes_the_argmax": {
        "edits": [(NB, "CategoricalPolicy",
                   "actions = torch.multinomial(log_p.exp(), 1, generator=generator).squeeze(-1)  # (B,)",
                   "actions = log_p.argmax(-1)  # (B,)")],
        "loses": ["policy_visible", "policy_hidden"],
    },
    # the right distribution drawn from torch's global random state, ignoring the generator given
    "sample_ignores_the_generator": {
        "edits": [(NB, "CategoricalPolicy",
                   "actions = torch.multinomial(log_p.exp(), 1, generator=generator).squeeze(-1)  # (B,)",
                   "actions = torch.distributions.Categorical(logits=log_p).sample()  # (B,)")],
        "loses": ["policy_visible"],
    },
    # v fitted to this batch's returns before it serves as their baseline (and after: nothing left to fit)
    "value_fitted_before_the_policy_step": {
        "edits": [(NB, "reinforce_update",
                   '    if config.baseline == "value":\n        baseline = value(x) * config.value_scale',
                   '    if config.baseline == "value":\n' + VALUE_FIT
                   + '        baseline = value(x) * config.value_scale'),
                  (NB, "reinforce_update",
                   '    if config.baseline == "value":  # regression of G_t / value_scale on X_t, after the policy '
                   'step\n' + VALUE_FIT, "")],
        "loses": ["update_visible", "update_hidden"],
    },
    # advantages never normalised although config.normalise asks for it
    "normalise_ignored": {
        "edits": [(NB, "reinforce_update", "    if config.normalise:  # the advantages",
                   "    if False:  # the advantages")],
        "loses": ["update_visible", "update_hidden"],
    },
}
