"""Part II of the book, reinforcement learning: finite MDPs, tabular planning and learning, rollouts and
model-based methods (Chapter 4), the course's Gymnasium environments (`lmrl_utils.rl.envs`); Chapters 5 and 6
(imitation, policy gradients) add their modules here.
"""
