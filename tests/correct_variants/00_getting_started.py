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
    # gradients cleared by hand (None), the squared error written out, the loss as a float through detach
    "fit_grads_set_to_none": {
        "edits": [
            (NB, "fit_with_sgd_step",
             "        model.zero_grad()  # sgd_step leaves the gradients alone, and backward() adds to them\n",
             "        for p in model.parameters():\n            p.grad = None\n"),
            (NB, "fit_with_sgd_step",
             "        loss = nn.functional.mse_loss(model(x), y)  # (N, 1) against (N, 1): a scalar",
             "        loss = ((model(x) - y) ** 2).mean()"),
            (NB, "fit_with_sgd_step", "        losses.append(loss.item())",
             "        losses.append(float(loss.detach()))"),
        ],
    },
    # the loss recorded before backward, gradients zeroed after the update instead of before
    "fit_zero_grad_after_step": {
        "edits": [
            (NB, "fit_with_sgd_step",
             "        model.zero_grad()  # sgd_step leaves the gradients alone, and backward() adds to them\n", ""),
            (NB, "fit_with_sgd_step", "    losses = []\n", "    losses = []\n    model.zero_grad()\n"),
            (NB, "fit_with_sgd_step", "        loss.backward()\n        sgd_step(model.parameters(), lr)\n"
             "        losses.append(loss.item())",
             "        losses.append(loss.item())\n        loss.backward()\n        sgd_step(model.parameters(), lr)\n"
             "        model.zero_grad()"),
        ],
    },
}
