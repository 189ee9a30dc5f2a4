"""Correct answers written differently from the reference: every test must pass them (bench/grading_quality.py)."""

NB = "mdp.ipynb"

_RETURNS_LOOP = (
    "    G = np.zeros(len(rewards))\n    g = 0.0  # the return after the last reward: nothing more comes\n"
    "    for t in reversed(range(len(rewards))):\n        g = rewards[t] + gamma * g\n        G[t] = g\n    return G\n"
)
_EVAL_SWEEP = "        v_new = (pi * q_from_v(mdp, v)).sum(axis=1)  # (S,): expectation over the policy's actions\n"
_GREEDY = (
    "    is_best = q >= q.max(axis=1, keepdims=True) - tol  # (S, A) booleans: the tied best actions\n"
    "    return np.argmax(is_best, axis=1)  # argmax of booleans: the first True, i.e. the lowest tied index\n"
)
_EPS_GREEDY = (
    "    if rng.random() < epsilon:\n        return int(rng.integers(len(q_row)))\n"
    "    best = np.flatnonzero(q_row == q_row.max())  # all the tied best actions\n    return int(rng.choice(best))\n"
)
_Q_UPDATE = (
    "            target = r if terminated else r + config.gamma * Q[s_next].max()  # off-policy: greedy next action\n"
    "            Q[s, a] += config.alpha * (target - Q[s, a])\n"
)

CORRECT_VARIANTS = {
    # the defining sum, vectorised: a (T, T) upper-triangular matrix of discounts γ^(j - i)
    "returns_by_discount_matrix": {
        "edits": [(NB, "discounted_returns", _RETURNS_LOOP,
                   "    r = np.asarray(rewards, dtype=float)\n    k = np.arange(len(r))\n"
                   "    D = np.triu(gamma ** np.maximum(k[None, :] - k[:, None], 0).astype(float))  # (T, T)\n"
                   "    return D @ r\n")],
    },
    # one sum per t, with a comprehension
    "returns_by_comprehension": {
        "edits": [(NB, "discounted_returns", _RETURNS_LOOP,
                   "    r = np.asarray(rewards, dtype=float)\n"
                   "    return np.array([np.sum(gamma ** np.arange(len(r) - t) * r[t:]) for t in range(len(r))],\n"
                   "                    dtype=float)\n")],
    },
    # a loop over states and actions, each entry a dot product over next states
    "lookahead_with_loops": {
        "edits": [(NB, "q_from_v",
                   '    return mdp.R + mdp.gamma * np.einsum("sat,t->sa", mdp.P, v)'
                   "  # sum over the next state s' (index t)\n",
                   "    S, A = mdp.R.shape\n    q = np.zeros((S, A))\n    for s in range(S):\n"
                   "        for a in range(A):\n"
                   "            q[s, a] = mdp.R[s, a] + mdp.gamma * np.dot(mdp.P[s, a], v)\n    return q\n")],
    },
    # matmul instead of einsum
    "lookahead_with_matmul": {
        "edits": [(NB, "q_from_v", 'np.einsum("sat,t->sa", mdp.P, v)', "(mdp.P @ v)")],
    },
    # in-place (Gauss-Seidel) sweeps: each state's backup already uses the new values of earlier states
    "evaluation_in_place": {
        "edits": [(NB, "policy_evaluation",
                   _EVAL_SWEEP + "        v_new[mdp.terminal] = 0.0"
                   "  # a terminal state has no future: its value is 0 by definition\n",
                   "        v_new = v.copy()\n        for s in range(mdp.n_states):\n"
                   "            if not mdp.terminal[s]:\n"
                   "                v_new[s] = pi[s] @ (mdp.R[s] + mdp.gamma * mdp.P[s] @ v_new)\n")],
    },
    # the Markov chain of the policy: v <- r_π + γ P_π v
    "evaluation_with_policy_matrix": {
        "edits": [(NB, "policy_evaluation", _EVAL_SWEEP,
                   '        P_pi = np.einsum("sa,sat->st", pi, mdp.P)  # (S, S)\n'
                   "        v_new = (pi * mdp.R).sum(axis=1) + mdp.gamma * P_pi @ v\n")],
    },
    # the lowest tied action found by a loop; policy iteration compares (S,) action arrays, not one-hot matrices
    "greedy_loop_and_action_arrays": {
        "edits": [
            (NB, "policy_iteration", _GREEDY,
             "    policy = np.zeros(len(q), dtype=int)\n    for s in range(len(q)):\n"
             "        best = q[s].max()\n"
             "        policy[s] = min(a for a in range(q.shape[1]) if q[s, a] >= best - tol)\n    return policy\n"),
            (NB, "policy_iteration",
             "    while True:\n        v = policy_evaluation(mdp, pi, tol)\n"
             "        policy = greedy_policy(q_from_v(mdp, v))\n"
             "        if np.array_equal(np.eye(mdp.n_actions)[policy], pi):",
             "    current = None\n    while True:\n"
             "        v = policy_evaluation(mdp, pi, tol)\n"
             "        policy = greedy_policy(q_from_v(mdp, v))\n"
             "        if current is not None and np.array_equal(policy, current):"),
            (NB, "policy_iteration", "        pi = np.eye(mdp.n_actions)[policy]  # one-hot",
             "        current = policy\n        pi = np.eye(mdp.n_actions)[policy]  # one-hot"),
        ],
    },
    # ties found with flatnonzero per row
    "greedy_with_flatnonzero": {
        "edits": [(NB, "policy_iteration", _GREEDY,
                   "    return np.array([np.flatnonzero(row >= row.max() - tol)[0] for row in q], dtype=int)\n")],
    },
    # value iteration with in-place (Gauss-Seidel) sweeps
    "value_iteration_in_place": {
        "edits": [(NB, "value_iteration",
                   "        v_new = q_from_v(mdp, v).max(axis=1)  # (S,): the best action's value in every state\n"
                   "        v_new[mdp.terminal] = 0.0\n",
                   "        v_new = v.copy()\n        for s in np.flatnonzero(~mdp.terminal):\n"
                   "            v_new[s] = np.max(mdp.R[s] + mdp.gamma * mdp.P[s] @ v_new)\n")],
    },
    # value iteration that stops on the span of the change and keeps v, not v_new
    "value_iteration_other_bookkeeping": {
        "edits": [(NB, "value_iteration",
                   "        if np.max(np.abs(v_new - v)) < tol:\n            break\n        v = v_new\n"
                   "    return v_new, greedy_policy(q_from_v(mdp, v_new))\n",
                   "        delta = np.abs(v_new - v).max()\n        v = v_new\n        if delta < tol:\n"
                   "            break\n    return v, greedy_policy(q_from_v(mdp, v))\n")],
    },
    # ε-greedy drawing the random action before the coin, with rng.choice, and ties by rng.integers
    "epsilon_greedy_other_draws": {
        "edits": [(NB, "q_learning", _EPS_GREEDY,
                   "    random_action = int(rng.choice(len(q_row)))\n    if rng.uniform() < epsilon:\n"
                   "        return random_action\n    best = np.flatnonzero(q_row == np.max(q_row))\n"
                   "    return int(best[rng.integers(len(best))])\n")],
    },
    # ε-greedy that draws the coin only when ε is strictly between 0 and 1, and ties by a random permutation
    "epsilon_greedy_permutation_ties": {
        "edits": [(NB, "q_learning", _EPS_GREEDY,
                   "    explore = epsilon >= 1.0 or (epsilon > 0.0 and rng.random() < epsilon)\n"
                   "    if explore:\n        return int(rng.integers(0, q_row.shape[0]))\n"
                   "    order = rng.permutation(len(q_row))  # ties: the first of the best in a random order\n"
                   "    return int(order[np.argmax(q_row[order])])\n")],
    },
    # Q-learning written with a (1 - α) blend, a "not terminated" factor and its own episode bookkeeping
    "q_learning_other_bookkeeping": {
        "edits": [
            (NB, "q_learning", _Q_UPDATE,
             "            bootstrap = 0.0 if terminated else np.max(Q[s_next])\n"
             "            Q[s, a] = (1 - config.alpha) * Q[s, a] + config.alpha * (r + config.gamma * bootstrap)\n"),
            (NB, "q_learning", "        s, _ = env.reset(seed=seed if episode == 0 else None)",
             "        if episode == 0:\n            s, _ = env.reset(seed=seed)\n        else:\n"
             "            s, _ = env.reset()"),
        ],
    },
    # TD(0) sampling the action by inverting the cumulative distribution of pi[s] with one uniform draw
    "td0_inverse_cdf_sampling": {
        "edits": [(NB, "td0_evaluation", "a = int(rng.choice(pi.shape[1], p=pi[s]))",
                   'a = int(np.searchsorted(np.cumsum(pi[s]), rng.random() * pi[s].sum(), side="right"))')],
    },
    # TD(0) with a multinomial draw, a (1 - α) blend and a "not terminated" factor
    "td0_blend_and_multinomial": {
        "edits": [
            (NB, "td0_evaluation", "a = int(rng.choice(pi.shape[1], p=pi[s]))",
             "a = int(np.argmax(rng.multinomial(1, pi[s])))"),
            (NB, "td0_evaluation", "target = r if terminated else r + gamma * V[s_next]",
             "target = r + gamma * V[s_next] * (not terminated)"),
            (NB, "td0_evaluation", "V[s] += alpha * (target - V[s])", "V[s] = (1 - alpha) * V[s] + alpha * target"),
        ],
    },
}
