"""Speed of Chapter 2's byte-level BPE: the reference trainer (incremental pair counts), the naive trainer
that recounts every pair after each merge, and Hugging Face `tokenizers`, on the course's full English corpus
(`lmrl_utils.lm.corpus.english_corpus`); then encoding throughput. Not part of the test suite (timings depend on
the machine).

    python bench/bpe_speed.py                      # vocab 500, 1000 and 5000
    python bench/bpe_speed.py --sizes 1000 --naive-max 1000
    python bench/bpe_speed.py --sizes 500 --repeats 3 --write   # median of 3 runs each, bench/results/bpe_speed.json

Each training time includes pre-tokenization. Runs on one core: torch is not involved, and Hugging Face is
limited to one thread (RAYON_NUM_THREADS=1) so the comparison is fair.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")  # before tokenizers is imported

from record import add_flags, repeat, result, row, write  # noqa: E402
from tokenizers import Tokenizer as HFTokenizer  # noqa: E402
from tokenizers import models, pre_tokenizers, trainers  # noqa: E402

from lmrl_utils.lm.bpe_naive import naive_train_bpe  # noqa: E402
from lmrl_utils.lm.corpus import english_corpus, python_source  # noqa: E402
from lmrl_utils.lm.tokenization import Tokenizer, load_vocab_merges, train_bpe  # noqa: E402

EOT = "<|endoftext|>"


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def hf_train(text: str, vocab_size: int) -> HFTokenizer:
    """Hugging Face's byte-level BPE with GPT-2's pre-tokenizer, trained locally (nothing is downloaded)."""
    hf = HFTokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[EOT], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    hf.train_from_iterator([text], trainer=trainer)
    return hf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 5000])
    parser.add_argument("--naive-max", type=int, default=5000, help="skip the naive trainer above this size")
    add_flags(parser, repeats=3)
    args = parser.parse_args()
    rows = []
    text = english_corpus()
    n_bytes = len(text.encode("utf-8"))
    print(f"corpus: english_corpus(), {n_bytes / 1e3:.0f} KB, {len(text)} characters")
    print(f"{'vocab':>6} {'reference s':>12} {'naive s':>9} {'naive/ref':>10} {'HF s':>7} {'ref/HF':>7}")
    trained = {}
    for size in args.sizes:
        (vocab, merges), t_ref = timed(train_bpe, text, size, [EOT])
        refs = [t_ref] + repeat(lambda: train_bpe(text, size, [EOT]), args.repeats - 1)  # noqa: B023
        t_ref = statistics.median(refs)
        what = f"BPE training, vocab {size}: the course's trainer (lmrl_utils.lm.tokenization.train_bpe)"
        if size <= args.naive_max:
            naive, t_naive = timed(naive_train_bpe, text, size, [EOT])
            assert naive == (vocab, merges), "the naive and the incremental trainer disagree"
            naives = [t_naive] + repeat(lambda: naive_train_bpe(text, size, [EOT]), args.repeats - 1)  # noqa: B023
            t_naive = statistics.median(naives)
            naive_cols = f"{t_naive:9.2f} {t_naive / t_ref:9.1f}x"
            rows.append(row(what, "s", refs, "the naive trainer (recounts every pair after each merge)", naives))
        else:
            naive_cols = f"{'skipped':>9} {'':>10}"
        hf, t_hf = timed(hf_train, text, size)
        hfs = [t_hf] + repeat(lambda: hf_train(text, size), args.repeats - 1)  # noqa: B023
        t_hf = statistics.median(hfs)
        rows.append(row(what, "s", refs, "Hugging Face tokenizers (one thread)", hfs))
        trained[size] = (Tokenizer(vocab, merges, [EOT]), hf)
        print(f"{size:6d} {t_ref:12.2f} {naive_cols} {t_hf:7.2f} {t_ref / t_hf:6.1f}x")

    print(f"\nencoding the whole corpus ({n_bytes / 1e6:.2f} MB)")
    print(f"{'vocab':>6} {'ours MB/s':>10} {'ours (cached) MB/s':>19} {'HF MB/s':>8} {'bytes/token ours':>17} "
          f"{'bytes/token HF':>15}")
    for size, (ours, hf) in trained.items():
        ids, t_ours = timed(ours.encode, text)
        cached = repeat(lambda: ours.encode(text), args.repeats)  # noqa: B023  # every pre-token is in the cache
        t_cached = statistics.median(cached)
        encoding, t_hf = timed(hf.encode, text)
        hf_encodes = [t_hf] + repeat(lambda: hf.encode(text), args.repeats - 1)  # noqa: B023
        t_hf = statistics.median(hf_encodes)
        hf_ids = encoding.ids
        rows.append(row(f"encoding the corpus, vocab {size}: the course's Tokenizer.encode (first pass)", "MB/s",
                        [n_bytes / t_ours / 1e6], "Hugging Face tokenizers", [n_bytes / t / 1e6 for t in hf_encodes]))
        rows.append(row(f"encoding the corpus, vocab {size}: the course's Tokenizer.encode (pre-tokens cached)",
                        "MB/s", [n_bytes / t / 1e6 for t in cached], "Hugging Face tokenizers",
                        [n_bytes / t / 1e6 for t in hf_encodes]))
        assert ours.decode(ids) == text
        print(f"{size:6d} {n_bytes / t_ours / 1e6:10.2f} {n_bytes / t_cached / 1e6:19.2f} {n_bytes / t_hf / 1e6:8.2f} "
              f"{n_bytes / len(ids):17.2f} {n_bytes / len(hf_ids):15.2f}")

    # a large merge list in GPT-2's file format, as many merges as our offline text allows (GPT-2 has 50 000)
    big_text = text + python_source()
    hf = hf_train(big_text, 50_257)
    with tempfile.TemporaryDirectory() as folder:
        vocab_file, merges_file = sorted(hf.model.save(folder), key=lambda path: path.endswith("merges.txt"))
        (vocab, merges), t_load = timed(load_vocab_merges, vocab_file, merges_file)
    ours = Tokenizer(vocab, merges, [EOT])
    sample = text[:100_000]
    ids, t_encode = timed(ours.encode, sample)
    assert ids == hf.encode(sample).ids, "our encoding differs from Hugging Face's with the same files"
    print(f"\nGPT-2-format files with {len(merges)} merges: loaded in {t_load:.2f} s; "
          f"100 KB encoded in {t_encode:.2f} s, ids identical to Hugging Face's")
    if args.write:
        write(result("bpe_speed", rows), args.results)


if __name__ == "__main__":
    main()
