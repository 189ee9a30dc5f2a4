"""Plausible wrong answers to the Getting started warm-up; each must score strictly between 0 and full marks."""

WRONG_ANSWERS = {
    # climbing the loss: W ← W + η∇W (the sign slip of some lecture slides)
    "plus_sign_update": {
        "edits": [("warmup.ipynb", "sgd_step", "p -= lr * p.grad", "p += lr * p.grad")],
        "loses": ["sgd_step_visible", "sgd_step_hidden"],
    },
    # forgetting zero_grad: backward() adds to .grad, so every step uses the sum of all past gradients
    "no_zero_grad": {
        "edits": [("warmup.ipynb", "train_linear_regression",
                   "        optimizer.zero_grad()  # 1. forget the previous step's gradients\n", "")],
        "loses": ["train_visible", "train_hidden"],
    },
    # the summed squared error: N times larger gradients than the mean the exercise asks for
    "summed_loss": {
        "edits": [("warmup.ipynb", "train_linear_regression", "nn.MSELoss()", 'nn.MSELoss(reduction="sum")')],
        "loses": ["train_visible", "train_hidden"],
    },
    # a new tensor bound to the loop variable: the caller's parameters never move
    "update_not_in_place": {
        "edits": [("warmup.ipynb", "sgd_step", "p -= lr * p.grad", "p = p - lr * p.grad")],
        "loses": ["sgd_step_visible", "sgd_step_hidden"],
    },
}
