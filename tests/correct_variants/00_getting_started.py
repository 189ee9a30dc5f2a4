"""Correct answers written differently from the reference: every test must pass them (bench/grading_quality.py)."""

NB = "warmup.ipynb"

CORRECT_VARIANTS = {
    # the update through .data and an in-place add instead of no_grad and -=
    "sgd_step_via_data": {
        "edits": [(NB, "sgd_step",
                   "    with torch.no_grad():  # the update itself must not become part of the graph\n"
                   "        for p in parameters:\n            if p.grad is not None:\n"
                   "                p -= lr * p.grad",
                   "    for p in parameters:\n        if p.grad is not None:\n"
                   "            p.data.add_(p.grad, alpha=-lr)")],
    },
    # the loss written out and the update done by hand instead of nn.MSELoss and torch.optim.SGD
    "training_loop_by_hand": {
        "edits": [
            (NB, "train_linear_regression",
             "    loss_fn = nn.MSELoss()\n    optimizer = torch.optim.SGD(model.parameters(), lr=lr)\n", ""),
            (NB, "train_linear_regression",
             "        optimizer.zero_grad()  # 1. forget the previous step's gradients\n",
             "        model.zero_grad()\n"),
            (NB, "train_linear_regression", "        loss = loss_fn(prediction, y)  # 3. loss\n",
             "        loss = ((prediction - y) ** 2).mean()\n"),
            (NB, "train_linear_regression", "        optimizer.step()  # 5. step: W ← W − lr ∇W L\n",
             "        with torch.no_grad():\n            for p in model.parameters():\n"
             "                p -= lr * p.grad\n"),
        ],
    },
}
