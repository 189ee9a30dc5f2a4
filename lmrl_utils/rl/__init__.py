"""Part II of the book, reinforcement learning: finite MDPs, tabular planning and learning, rollouts and
model-based methods (Chapter 4), checks on an agent's recorded experience (`experience`), the course's Gymnasium
environments (`envs`), imitation learning and its experts (Chapter 5: `imitation`, `experts`), and policy
gradients with the exact problems that check their estimators (Chapter 6: `policy_gradient`, `pg_exact`).
"""
