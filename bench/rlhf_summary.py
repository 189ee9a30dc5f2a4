"""Chapter 7 in four lines: the reward model's held-out accuracy against the noise ceiling, and the true-reward
gain and KL of the two routes from the same preferences (reward model + policy gradient, DPO), per seed.

It asks for the same cached runs as the DPO page (`chapters/07_rlhf/dpo.md`), so after a book build it only
reads them; cold, it trains them (a few CPU minutes).

    python bench/rlhf_summary.py
"""

from __future__ import annotations

from lmrl_utils.rlhf.dpo import DPOConfig, compare_routes
from lmrl_utils.rlhf.reward_models import trained_reward_model
from lmrl_utils.rlhf.tuning import TuneConfig

SEEDS = (0, 1)  # the DPO page's seeds and configurations, so the cache is shared
DPO = DPOConfig(beta=0.1, steps=100)
PG = TuneConfig(beta=DPO.beta, updates=60, evaluate_every=20)


def main() -> None:
    """Print the table."""
    _, info = trained_reward_model()
    print(f"reward model: held-out accuracy {info['val_accuracy']:.3f}, noise ceiling {info['ceiling']:.3f}, "
          f"training accuracy {info['train_accuracy']:.3f}")
    runs = compare_routes(DPO, PG, SEEDS)
    print(f"{'route':8s} {'seed':>4s} {'r* start':>9s} {'r* end':>7s} {'gain':>6s} {'KL (nats)':>9s} "
          f"{'distinct-2':>10s}")
    for route, histories in runs.items():
        for seed, h in zip(SEEDS, histories, strict=True):
            gain = h[-1]["true"] - h[0]["true"]
            print(f"{route:8s} {seed:4d} {h[0]['true']:9.2f} {h[-1]['true']:7.2f} {gain:6.2f} {h[-1]['kl']:9.1f} "
                  f"{h[-1]['distinct2']:10.2f}")


if __name__ == "__main__":
    main()
