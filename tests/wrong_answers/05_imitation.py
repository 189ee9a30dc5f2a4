"""Plausible wrong answers to Chapter 5's exercises; each must score strictly between 0 and full marks."""

NB = "imitation.ipynb"

WRONG_ANSWERS = {
    # the greedy action instead of a sample from the policy: a stochastic learner never explores
    "collect_takes_the_argmax": {
        "edits": [(NB, "collect", "int(rng.choice(n_actions, p=policy[x]))", "int(np.argmax(policy[x]))")],
        "loses": ["collect_visible", "collect_hidden"],
    },
    # episodes reset without a seed: the environment's randomness escapes the rng, runs cannot be repeated
    "collect_resets_unseeded": {
        "edits": [(NB, "collect", "seed=int(rng.integers(2**31))", "seed=None")],
        "loses": ["collect_hidden"],
    },
    # the log-likelihood itself, not its negative: gradient descent then pushes the expert's actions down
    "nll_with_the_wrong_sign": {
        "edits": [(NB, "bc_loss", "return -log_probs[torch.arange(len(actions)), actions].mean()",
                   "return log_probs[torch.arange(len(actions)), actions].mean()")],
        "loses": ["bc_loss_visible", "bc_loss_hidden", "bc_visible", "bc_hidden", "dagger_visible",
                  "dagger_hidden_return"],
    },
    # the sum over the pairs instead of the mean (Adam hardly notices, but it is not l_D)
    "nll_summed_not_averaged": {
        "edits": [(NB, "bc_loss", "return -log_probs[torch.arange(len(actions)), actions].mean()",
                   "return -log_probs[torch.arange(len(actions)), actions].sum()")],
        "loses": ["bc_loss_visible", "bc_loss_hidden"],
    },
    # random initial logits: states without data are no longer uniform
    "bc_from_random_logits": {
        "edits": [(NB, "behaviour_cloning", "logits = torch.zeros(n_states, n_actions, requires_grad=True)",
                   "logits = torch.randn(n_states, n_actions, requires_grad=True)")],
        "loses": ["bc_visible", "bc_hidden"],
    },
    # the learner judged on the states of the expert (the training states) only, both times
    "errors_on_the_training_states_only": {
        "edits": [(NB, "imitation_errors", "for mu in (as_policy_matrix(expert, mdp.n_actions), policy):",
                   "for mu in (as_policy_matrix(expert, mdp.n_actions), as_policy_matrix(expert, mdp.n_actions)):")],
        "loses": ["errors_visible", "errors_hidden"],
    },
    # mistakes counted in terminal states too, where no decision is made
    "errors_count_terminal_states": {
        "edits": [(NB, "imitation_errors", "mistake = np.where(mdp.terminal, 0.0, 1.0 - p_expert)",
                   "mistake = 1.0 - p_expert")],
        "loses": ["errors_visible", "errors_hidden"],
    },
    # DAgger that keeps the learner's own actions as labels: it imitates itself
    "dagger_relabels_with_the_learners_actions": {
        "edits": [(NB, "dagger", "visited, _, _ = collect(env, as_policy(logits), 1, rng)",
                   "visited, taken, _ = collect(env, as_policy(logits), 1, rng)"),
                  (NB, "dagger", "actions = np.concatenate([actions, expert[visited]])",
                   "actions = np.concatenate([actions, taken[:len(visited)]])")],
        "loses": ["dagger_visible", "dagger_hidden_data", "dagger_hidden_return"],
    },
    # DAgger that refits on the newest labels only, throwing away the demonstrations and earlier iterations
    "dagger_refits_on_the_newest_labels_only": {
        "edits": [(NB, "dagger", "        logits = behaviour_cloning(states, actions, n_states, n_actions, config)\n"
                   "        history.append",
                   "        logits = behaviour_cloning(visited, expert[visited], n_states, n_actions, config)\n"
                   "        history.append")],
        "loses": ["dagger_hidden_data"],
    },
    # DAgger whose aggregated data set drops the demonstrations
    "dagger_drops_the_demonstrations": {
        "edits": [(NB, "dagger", "    history = [(len(states), logits)]\n",
                   "    history = [(len(states), logits)]\n    n_demo = len(states)\n"),
                  (NB, "dagger", "    return states, actions, history",
                   "    return states[n_demo:], actions[n_demo:], history")],
        "loses": ["dagger_visible", "dagger_hidden_data"],
    },
}
