"""Plausible wrong answers to Chapter 2's exercises; each must score strictly between 0 and full marks."""

NB = "bpe.ipynb"

WRONG_ANSWERS = {
    # ties broken towards the smallest pair (min instead of max among the most frequent pairs)
    "ties_to_smallest_pair": {
        "edits": [(NB, "train_bpe", "best = max(pair for pair", "best = min(pair for pair")],
        "loses": ["train_bpe_visible", "train_bpe_hidden"],
    },
    # no pre-tokenization: each piece between special tokens is one "word", so merges cross word boundaries
    "merges_cross_pretokens": {
        "edits": [(NB, "pretoken_counts", "for match in GPT2_RE.finditer(piece):\n            counts[tuple(bytes([b]) "
                   "for b in match.group().encode(\"utf-8\"))] += 1",
                   "counts[tuple(bytes([b]) for b in piece.encode(\"utf-8\"))] += 1")],
        "loses": ["pretoken_counts_visible", "pretoken_counts_hidden", "train_bpe_visible", "train_bpe_hidden"],
    },
    # special tokens ignored when training: "<|endoftext|>" is counted (and merged) like ordinary text
    "special_tokens_trained_as_text": {
        "edits": [(NB, "pretoken_counts", "if specials else [text]", "if False else [text]")],
        "loses": ["pretoken_counts_visible", "pretoken_counts_hidden", "train_bpe_visible", "train_bpe_hidden"],
    },
    # special tokens split like ordinary text when encoding
    "special_tokens_split_when_encoding": {
        "edits": [(NB, "tokenizer", "pieces = self.special_re.split(text) if self.special_re else [text]",
                   "pieces = [text]")],
        "loses": ["special_stream_visible", "special_stream_hidden"],
    },
    # overlapping special tokens: the shortest one wins
    "shortest_special_token_first": {
        "edits": [(NB, "tokenizer", "sorted(special_tokens, key=len, reverse=True)",
                   "sorted(special_tokens, key=len)")],
        "loses": ["special_stream_visible", "special_stream_hidden"],
    },
    # strict UTF-8 decoding: fails on a token that holds part of a character
    "decode_fails_on_partial_utf8": {
        "edits": [(NB, "tokenizer", '.decode("utf-8", errors="replace")', '.decode("utf-8")')],
        "loses": ["tokenizer_visible", "tokenizer_hidden"],
    },
    # encoding merges the leftmost mergeable pair instead of the one learned first
    "encode_leftmost_pair_first": {
        "edits": [(NB, "tokenizer",
                   'pair = min(pairwise(ids), key=lambda p: self.merge_ranks.get(p, (float("inf"), -1)))',
                   "pair = next((p for p in pairwise(ids) if p in self.merge_ranks), None)")],
        "loses": ["tokenizer_visible", "tokenizer_hidden"],
    },
    # the incremental update forgets to record which words contain the new pairs
    "stale_pair_index": {
        "edits": [(NB, "train_bpe", "pair_counts[pair] += freq\n                where[pair].add(i)",
                   "pair_counts[pair] += freq")],
        "loses": ["train_bpe_visible", "train_bpe_hidden"],
    },
    # merge_pair lets occurrences overlap: "a a a" with (a, a) gives "aa aa"
    "overlapping_merges": {
        "edits": [(NB, "merge_pair", "out.append(new)\n            i += 2", "out.append(new)\n            i += 1")],
        "loses": ["merge_pair_visible", "merge_pair_hidden"],
    },
    # encode_iterable encodes every chunk on its own: a word cut between two chunks is split in two
    "stream_encodes_each_chunk": {
        "edits": [(NB, "tokenizer", "cut = self.safe_cut(buffer)", "cut = len(buffer)")],
        "loses": ["special_stream_visible", "special_stream_hidden"],
    },
}
