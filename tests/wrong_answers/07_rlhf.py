"""Plausible wrong answers to Chapter 7's exercises; each must score strictly between 0 and full marks."""

NB = "rlhf.ipynb"
BT = "    return -F.logsigmoid(chosen - rejected).mean()  # logsigmoid is stable where σ underflows"
RM_SCORES = ("        scores = self.head(x[:, self.prompt_len:]).squeeze(-1)  # (B, T - prompt_len): one per "
             "completion token")
LOGP_SUM = "    return taken[:, prompt_len - 1:].sum(-1)  # (B,): tokens prompt_len .. T-1 are the completion"
KL = "    return (rewards - beta * (log_probs - ref_log_probs)).detach()"
DPO_MARGIN = ("    margin = (log_probs_chosen - ref_chosen.detach()) - (log_probs_rejected - ref_rejected.detach())"
              "  # (B,)")

WRONG_ANSWERS = {
    # the slides' +β (erratum E-01): drifting away from the reference is rewarded
    "kl_penalty_plus_beta": {
        "edits": [(NB, "kl_penalised_rewards", KL,
                   "    return (rewards + beta * (log_probs - ref_log_probs)).detach()")],
        "loses": ["kl_visible", "kl_hidden", "update_hidden"],
    },
    # the penalised reward returned with its gradient: it would flow into the policy's loss
    "kl_penalty_not_detached": {
        "edits": [(NB, "kl_penalised_rewards", KL, "    return rewards - beta * (log_probs - ref_log_probs)")],
        "loses": ["kl_visible"],
    },
    # chosen and rejected exchanged in the Bradley–Terry loss: the reward model learns the annotator's dislikes
    "bt_preferences_swapped": {
        "edits": [(NB, "bradley_terry_loss", BT, "    return -F.logsigmoid(rejected - chosen).mean()")],
        "loses": ["bt_visible", "bt_hidden", "train_visible", "train_hidden"],
    },
    # σ instead of ln σ: the likelihood, not its logarithm
    "bt_sigmoid_not_log_sigmoid": {
        "edits": [(NB, "bradley_terry_loss", BT, "    return -torch.sigmoid(chosen - rejected).mean()")],
        "loses": ["bt_visible", "bt_hidden", "train_visible"],
    },
    # the slides' sign (erratum E-02): ln σ without the minus, so minimising favours the rejected side
    "bt_minus_dropped": {
        "edits": [(NB, "bradley_terry_loss", BT, "    return F.logsigmoid(chosen - rejected).mean()")],
        "loses": ["bt_visible", "bt_hidden", "train_visible", "train_hidden"],
    },
    # the reward model reads the first position only (the prompt's first token: the same score for every completion)
    "rm_reads_the_first_token": {
        "edits": [(NB, "RewardModel", RM_SCORES, "        scores = self.head(x[:, :1]).squeeze(-1)  # (B, 1)")],
        "loses": ["rm_visible", "rm_hidden"],
    },
    # the prompt positions' scores summed too
    "rm_sums_the_prompt_too": {
        "edits": [(NB, "RewardModel", RM_SCORES, "        scores = self.head(x).squeeze(-1)  # (B, T)")],
        "loses": ["rm_visible", "rm_hidden"],
    },
    # the trunk shared with the language model: training the reward model moves the policy's weights
    "rm_shares_the_trunk": {
        "edits": [(NB, "RewardModel",
                   "        self.trunk = copy.deepcopy(gpt)  # its own weights: training the reward model must "
                   "not move the policy", "        self.trunk = gpt")],
        "loses": ["rm_visible", "rm_hidden"],
    },
    # the head left at its random initialisation: rewards do not start at 0
    "rm_head_not_zeroed": {
        "edits": [(NB, "RewardModel",
                   "        nn.init.zeros_(self.head.weight)  # every completion scores 0 before training\n", "")],
        "loses": ["rm_visible", "rm_hidden"],
    },
    # gradients never zeroed: each step adds to the previous ones
    "rm_training_without_zero_grad": {
        "edits": [(NB, "train_reward_model", "        optimizer.zero_grad()\n", "")],
        "loses": ["train_visible"],
    },
    # the prompt's tokens counted as the policy's actions
    "log_probs_include_the_prompt": {
        "edits": [(NB, "sequence_log_probs", LOGP_SUM, "    return taken.sum(-1)")],
        "loses": ["logp_visible", "logp_hidden"],
    },
    # the mean over the completion's tokens instead of the sum
    "log_probs_mean_over_tokens": {
        "edits": [(NB, "sequence_log_probs", LOGP_SUM, "    return taken[:, prompt_len - 1:].mean(-1)")],
        "loses": ["logp_visible", "logp_hidden"],
    },
    # logits and targets not shifted: each position scores the token it reads, not the next one
    "log_probs_off_by_one": {
        "edits": [(NB, "sequence_log_probs",
                   "    taken = log_probs.gather(-1, tokens[:, 1:].unsqueeze(-1)).squeeze(-1)",
                   "    taken = log_probs.gather(-1, tokens[:, :-1].unsqueeze(-1)).squeeze(-1)")],
        "loses": ["logp_visible", "logp_hidden"],
    },
    # the reference's log-probabilities computed with the policy: the KL is always 0
    "reference_log_probs_from_the_policy": {
        "edits": [(NB, "rlhf_update", "ref_log_probs = sequence_log_probs(reference, tokens, prompt_len)",
                   "ref_log_probs = sequence_log_probs(policy, tokens, prompt_len)")],
        "loses": ["update_hidden"],
    },
    # the penalty computed but the raw reward used as the return
    "penalty_ignored_in_the_update": {
        "edits": [(NB, "rlhf_update", "grouped = penalised.view(-1, n_samples)",
                   "grouped = rewards.view(-1, n_samples)")],
        "loses": ["update_hidden"],
    },
    # each sample's own reward in its baseline: the estimate shrinks by (K - 1) / K
    "baseline_includes_the_sample": {
        "edits": [(NB, "rlhf_update", "baseline = (grouped.sum(1, keepdim=True) - grouped) / (n_samples - 1)",
                   "baseline = grouped.mean(1, keepdim=True)")],
        "loses": ["update_visible", "update_hidden"],
    },
    # chosen and rejected exchanged in DPO
    "dpo_preferences_swapped": {
        "edits": [(NB, "dpo_loss", DPO_MARGIN,
                   "    margin = (log_probs_rejected - ref_rejected.detach()) - "
                   "(log_probs_chosen - ref_chosen.detach())")],
        "loses": ["dpo_visible", "dpo_hidden"],
    },
    # the reference forgotten: DPO without the implicit reward's ln π_ref
    "dpo_without_the_reference": {
        "edits": [(NB, "dpo_loss", DPO_MARGIN, "    margin = log_probs_chosen - log_probs_rejected")],
        "loses": ["dpo_visible", "dpo_hidden"],
    },
}
