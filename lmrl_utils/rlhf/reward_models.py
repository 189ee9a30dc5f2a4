"""The chapter's trained reward model, cached on disk so every page tunes against the same proxy.

Trained by the reference `train_reward_model` on `preference_data()`'s 2000 training pairs; its held-out
accuracy is measured on the 500 validation pairs, beside the noise ceiling (the accuracy of r* itself).

Example:
    reward_model, info = trained_reward_model()     # about 10 s the first time, then instant
    info["val_accuracy"], info["ceiling"]            # about 0.75 against 0.89
"""

from __future__ import annotations

import hashlib
import inspect

import torch

from lmrl_utils.cache import cache_dir, load_or_build, recipe_key, torch_threads
from lmrl_utils.lm.pretrained import cache_path, pretrained, pretrained_tokenizer
from lmrl_utils.rlhf import data, rlhf
from lmrl_utils.rlhf.rlhf import RewardModel, train_reward_model
from lmrl_utils.seeding import torch_generator

RECIPE = {"steps": 150, "batch_size": 64, "lr": 1e-3, "seed": 0}


@torch.no_grad()
def preference_accuracy(reward_model: torch.nn.Module, chosen: torch.Tensor, rejected: torch.Tensor) -> float:
    """The share of pairs whose chosen side the model scores higher (ties count as wrong)."""
    return float((reward_model(chosen) > reward_model(rejected)).float().mean())


def _build() -> dict:
    prefs = data.preference_data()
    gpt, _, _ = pretrained("english")
    with torch_threads(1):  # one thread: the same weights on every machine
        torch.manual_seed(RECIPE["seed"])
        model = RewardModel(gpt, data.PROMPT_LEN)
        losses = train_reward_model(model, prefs["chosen"], prefs["rejected"], steps=RECIPE["steps"],
                                    batch_size=RECIPE["batch_size"], lr=RECIPE["lr"],
                                    generator=torch_generator(RECIPE["seed"]))
    info = {"losses": losses, "ceiling": prefs["ceiling"],
            "val_accuracy": preference_accuracy(model, prefs["val_chosen"], prefs["val_rejected"]),
            "train_accuracy": preference_accuracy(model, prefs["chosen"], prefs["rejected"])}
    return {"state_dict": model.state_dict(), "info": info}


def trained_reward_model() -> tuple[RewardModel, dict]:
    """The chapter's reward model (eval mode, frozen) and its info: "val_accuracy", "train_accuracy",
    "ceiling" and the training "losses"."""
    gpt, _, _ = pretrained("english")
    code = hashlib.sha256(inspect.getsource(rlhf).encode()).hexdigest()[:16]  # changed references: retrain
    recipe = {**RECIPE, "model": cache_path("english", pretrained_tokenizer("english")).name, "code": code,
              "data": data.RECIPE, "prompt_len": data.PROMPT_LEN}
    saved = load_or_build(cache_dir() / f"rlhf-reward-model-{recipe_key(recipe)}.pt", _build)
    model = RewardModel(gpt, data.PROMPT_LEN)
    model.load_state_dict(saved["state_dict"])
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, saved["info"]
