"""Plausible wrong answers to Chapter 4's exercises; each must score strictly between 0 and full marks."""

NB = "mdp.ipynb"

WRONG_ANSWERS = {
    # the discount applied one step late: G_t = γ R_{t+1} + γ² R_{t+2} + ... (k counted from 1)
    "return_discounted_one_step_late": {
        "edits": [(NB, "discounted_returns", "g = rewards[t] + gamma * g", "g = gamma * (rewards[t] + g)")],
        "loses": ["returns_visible", "returns_hidden"],
    },
    # v indexed by the current state instead of the next one: q = r + γ v(s)
    "lookahead_uses_current_state": {
        "edits": [(NB, "q_from_v", 'np.einsum("sat,t->sa", mdp.P, v)', 'np.einsum("sat,s->sa", mdp.P, v)')],
        "loses": ["qv_visible", "qv_hidden", "pe_visible", "pe_hidden", "pi_visible", "pi_hidden",
                  "vi_visible", "vi_hidden"],
    },
    # evaluation that averages over the actions (the uniform policy) instead of weighting them by pi
    "evaluation_ignores_policy_weights": {
        "edits": [(NB, "policy_evaluation", "(pi * q_from_v(mdp, v)).sum(axis=1)", "q_from_v(mdp, v).mean(axis=1)")],
        "loses": ["pe_visible", "pe_hidden", "pi_visible", "pi_hidden"],
    },
    # greedy ties go to the highest action index instead of the lowest
    "ties_to_highest_action": {
        "edits": [(NB, "policy_iteration", "return np.argmax(is_best, axis=1)",
                   "return is_best.shape[1] - 1 - np.argmax(is_best[:, ::-1], axis=1)")],
        "loses": ["pi_visible", "vi_visible", "pi_hidden"],
    },
    # policy iteration started from "always action 0", which is improper in the gamma = 1 grid world
    "policy_iteration_from_action_0": {
        "edits": [(NB, "policy_iteration",
                   "pi = np.full((mdp.n_states, mdp.n_actions), 1.0 / mdp.n_actions)",
                   "pi = np.eye(mdp.n_actions)[np.zeros(mdp.n_states, dtype=int)]")],
        "loses": ["pi_visible", "pi_hidden"],
    },
    # value iteration whose max runs over the state axis instead of the action axis
    "max_over_wrong_axis": {
        "edits": [(NB, "value_iteration", "q_from_v(mdp, v).max(axis=1)", "q_from_v(mdp, v).max(axis=0)")],
        "loses": ["vi_visible", "vi_hidden"],
    },
    # SARSA instead of Q-learning: bootstraps from the next action actually taken
    "sarsa_target": {
        "edits": [
            (NB, "q_learning",
             "        done = False\n        while not done:\n            a = epsilon_greedy(Q[s], epsilon, rng)\n",
             "        done = False\n        a = epsilon_greedy(Q[s], epsilon, rng)\n        while not done:\n"),
            (NB, "q_learning", "            target = r if terminated",
             "            a_next = epsilon_greedy(Q[s_next], epsilon, rng)\n            target = r if terminated"),
            (NB, "q_learning", "config.gamma * Q[s_next].max()", "config.gamma * Q[s_next, a_next]"),
            (NB, "q_learning", "            s = s_next\n", "            s, a = s_next, a_next\n"),
        ],
        "loses": ["q_visible", "q_hidden_offpolicy"],
    },
    # bootstrapping through terminal steps: a hole keeps its (optimistic) initial value
    "bootstrap_after_terminal": {
        "edits": [(NB, "q_learning", "target = r if terminated else r + config.gamma * Q[s_next].max()",
                   "target = r + config.gamma * Q[s_next].max()")],
        "loses": ["q_visible", "q_hidden_offpolicy", "q_hidden_frozenlake"],
    },
    # a time-limit truncation treated as terminal: no bootstrap although the state has a future
    "truncated_as_terminal": {
        "edits": [(NB, "q_learning", "target = r if terminated else", "target = r if terminated or truncated else")],
        "loses": ["q_visible", "q_hidden_offpolicy"],
    },
    # ε never decays: the agent explores at random in every episode, and its greedy policy is never put to use
    "epsilon_never_decays": {
        "edits": [(NB, "q_learning", "epsilon = config.epsilon(episode)", "epsilon = config.epsilon_start")],
        "loses": ["q_visible", "q_hidden_offpolicy", "q_hidden_frozenlake"],
    },
    # ε stuck at its final value from the first episode: too little exploration early on
    "epsilon_fixed_at_end": {
        "edits": [(NB, "q_learning", "epsilon = config.epsilon(episode)", "epsilon = config.epsilon_end")],
        "loses": ["q_visible", "q_hidden_offpolicy"],
    },
    # Q-learning handed in as the course's Dyna-Q with no planning steps (built on the reference epsilon_greedy)
    "q_learning_is_dyna_q_without_planning": {
        "edits": [(NB, "q_learning",
                   "    rng = np.random.default_rng(seed)  # the agent's randomness (exploration, ties)\n",
                   "    from lmrl_utils.rl.model_based import dyna_q\n    return dyna_q(env, config, 0, seed)\n")],
        "loses": ["q_visible", "q_hidden_offpolicy", "q_hidden_frozenlake"],
    },
    # greedy ties always to the first action (np.argmax): the exploration of an all-zero table is biased
    "epsilon_greedy_argmax_ties": {
        "edits": [(NB, "q_learning", "    return int(rng.choice(best))", "    return int(np.argmax(q_row))")],
        "loses": ["q_visible", "q_hidden_offpolicy"],
    },
    # q_learning acting with the course's reference epsilon_greedy instead of the notebook's own
    "q_learning_uses_reference_epsilon_greedy": {
        "edits": [(NB, "q_learning", "            a = epsilon_greedy(Q[s], epsilon, rng)",
                   "            from lmrl_utils.rl.tabular import epsilon_greedy as course_epsilon_greedy\n"
                   "            a = course_epsilon_greedy(Q[s], epsilon, rng)")],
        "loses": ["q_visible", "q_hidden_offpolicy", "q_hidden_frozenlake"],
    },
    # policy iteration evaluating with the course's reference policy_evaluation
    "policy_iteration_uses_reference_evaluation": {
        "edits": [(NB, "policy_iteration", "        v = policy_evaluation(mdp, pi, tol)",
                   "        from lmrl_utils.rl.tabular import policy_evaluation as course_evaluation\n"
                   "        v = course_evaluation(mdp, pi, tol)")],
        "loses": ["pi_visible", "pi_hidden"],
    },
    # TD(0) that stops bootstrapping when the time limit truncates the episode
    "td0_truncated_as_terminal": {
        "edits": [(NB, "td0_evaluation", "target = r if terminated else",
                   "target = r if terminated or truncated else")],
        "loses": ["td0_visible", "td0_hidden"],
    },
    # TD(0) that bootstraps from the value of a terminal state (which keeps v_init)
    "td0_bootstrap_after_terminal": {
        "edits": [(NB, "td0_evaluation", "target = r if terminated else r + gamma * V[s_next]",
                   "target = r + gamma * V[s_next]")],
        "loses": ["td0_visible", "td0_hidden"],
    },
    # TD(0) acting uniformly at random instead of following pi
    "td0_ignores_pi": {
        "edits": [(NB, "td0_evaluation", "a = int(rng.choice(pi.shape[1], p=pi[s]))",
                   "a = int(rng.integers(pi.shape[1]))")],
        "loses": ["td0_visible", "td0_hidden"],
    },
    # TD(0) that jumps to the target (α = 1) instead of taking a step of size alpha towards it
    "td0_without_step_size": {
        "edits": [(NB, "td0_evaluation", "V[s] += alpha * (target - V[s])", "V[s] = target")],
        "loses": ["td0_visible", "td0_hidden"],
    },
}
