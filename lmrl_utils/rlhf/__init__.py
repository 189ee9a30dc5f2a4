"""Part III of the book, RLHF (Chapter 7): the simulated annotator and its hidden reward (`preferences`), prompts
and the cached preference pairs (`data`), and the graded references: reward model, KL-penalised policy gradient
and DPO (`rlhf`). Imports from `lm` and `rl`, never the other way round.
"""
