"""Part III of the book, RLHF (Chapter 7). The simulated annotator and its hidden reward (`preferences`), prompts
and the cached preference pairs (`data`), the graded references (`rlhf`: Bradley–Terry loss, reward model,
completion log-probabilities, KL-penalised reward, the RLOO update, DPO loss), the cached reward model
(`reward_models`) and its accuracy against the number of pairs (`reward_curves`), the RLHF loop (`tuning`) and its
cached multi-seed runs (`sweeps`), a gamed length reward (`proxy_rewards`), DPO training and its comparison with
the reward-model route (`dpo`), and a reward a program checks (`verifiable`). Imports from `lm` and `rl`, never
the other way round.
"""
