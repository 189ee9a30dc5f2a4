"""Correct answers written differently from the reference: every test must pass them (bench/grading_quality.py)."""

NB = "imitation.ipynb"

CORRECT_VARIANTS = {
    # the env seeded once at the first reset, actions by inverse CDF with rng.random(), no run_episode
    "collect_own_loop_inverse_cdf": {
        "edits": [(NB, "collect",
                   "        act = lambda x: int(rng.choice(n_actions, p=policy[x]))  # noqa: E731\n"
                   "        xs, acts, rewards = run_episode(env, act, seed=int(rng.integers(2**31)))\n",
                   "        x, _ = env.reset(seed=int(rng.integers(1000)) if not returns else None)\n"
                   "        xs, acts, rewards, done = [], [], [], False\n"
                   "        while not done:\n"
                   "            a = min(int(np.searchsorted(np.cumsum(policy[x]), rng.random(), side='right')),"
                   " n_actions - 1)\n"
                   "            xs.append(x)\n            acts.append(a)\n"
                   "            x, r, terminated, truncated, _ = env.step(a)\n"
                   "            rewards.append(r)\n            done = terminated or truncated\n")],
    },
    # the NLL as logsumexp minus the label's logit, gathered
    "bc_loss_via_logsumexp": {
        "edits": [(NB, "bc_loss",
                   "    log_probs = torch.log_softmax(logits[states], dim=-1)"
                   "  # (m, A): ln f(x_i, θ) for every action\n"
                   "    return -log_probs[torch.arange(len(actions)), actions].mean()",
                   "    rows = logits[states]\n"
                   "    return (torch.logsumexp(rows, dim=1) - rows.gather(1, actions[:, None]).squeeze(1)).mean()")],
    },
    # an nn.Parameter, set_to_none and the loss written out again
    "bc_with_a_parameter": {
        "edits": [(NB, "behaviour_cloning",
                   "    logits = torch.zeros(n_states, n_actions, requires_grad=True)",
                   "    logits = torch.nn.Parameter(torch.zeros(n_states, n_actions))"),
                  (NB, "behaviour_cloning", "        optimizer.zero_grad()\n",
                   "        optimizer.zero_grad(set_to_none=True)\n"),
                  (NB, "behaviour_cloning", "    return logits.detach()", "    return logits.detach().clone()")],
    },
    # the state distributions stored first, then one einsum
    "errors_with_stored_distributions": {
        "edits": [(NB, "imitation_errors",
                   "        d, total = mdp.start.astype(float), 0.0\n"
                   "        for _ in range(horizon):\n"
                   "            total += d @ mistake\n"
                   "            d = d @ P_mu\n"
                   "        errors.append(total / horizon)",
                   "        ds = [np.asarray(mdp.start, dtype=float)]\n"
                   "        for _ in range(horizon - 1):\n"
                   "            ds.append(ds[-1] @ P_mu)\n"
                   "        errors.append(float(np.einsum('ts,s->', np.array(ds), mistake)) / horizon)")],
    },
    # two learner episodes per round, labels appended with lists, fresh generators per round
    "dagger_two_episodes_per_round": {
        "edits": [(NB, "dagger",
                   "        visited, _, _ = collect(env, as_policy(logits), 1, rng)  # the learner drives\n",
                   "        visited, _, _ = collect(env, as_policy(logits), 2,\n"
                   "                                np.random.default_rng(int(rng.integers(2**31))))\n")],
    },
}
