"""Part I of the book, language models: attention (Chapter 1), tokenization (Chapter 2), a GPT, its training and
decoding (Chapter 3), the course's corpora and the cached pretrained models that Chapter 7 fine-tunes.

Modules import only the standard library at package level, so `lmrl_utils.lm.corpus` loads without torch.
"""
