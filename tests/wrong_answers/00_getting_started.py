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
    # no optimizer, so nobody zeroes the gradients: every step uses the sum of all past gradients
    "fit_without_zero_grad": {
        "edits": [("warmup.ipynb", "fit_with_sgd_step",
                   "        model.zero_grad()  # sgd_step leaves the gradients alone, and backward() adds to them\n",
                   "")],
        "loses": ["fit_visible", "fit_hidden"],
    },
    # the loss recorded after the update: one step late, and losses[0] is not the untrained model's
    "fit_loss_after_update": {
        "edits": [("warmup.ipynb", "fit_with_sgd_step", "        losses.append(loss.item())",
                   "        losses.append(nn.functional.mse_loss(model(x), y).item())")],
        "loses": ["fit_visible", "fit_hidden"],
    },
    # a fresh model trained instead of the one given: the caller's model never moves
    "fit_trains_a_copy": {
        "edits": [("warmup.ipynb", "fit_with_sgd_step", "    losses = []\n",
                   "    import copy\n\n    losses = []\n    model = copy.deepcopy(model)\n")],
        "loses": ["fit_visible", "fit_hidden"],
    },
}
