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
    # pre-tokens as tuples of ints: indexing (or iterating) a bytes object gives ints, not single bytes
    "pretoken_keys_are_ints": {
        "edits": [(NB, "pretoken_counts", 'tuple(bytes([b]) for b in match.group().encode("utf-8"))',
                   'tuple(match.group().encode("utf-8"))')],
        "loses": ["pretoken_counts_visible", "pretoken_counts_hidden", "train_bpe_visible", "train_bpe_hidden"],
    },
    # characters instead of bytes: "é" stays one 2-byte symbol, so no merge can ever split or build it
    "pretoken_characters_not_bytes": {
        "edits": [(NB, "pretoken_counts", 'tuple(bytes([b]) for b in match.group().encode("utf-8"))',
                   'tuple(c.encode("utf-8") for c in match.group())')],
        "loses": ["pretoken_counts_visible", "pretoken_counts_hidden", "train_bpe_hidden"],
    },
    # merge_pair edits the caller's list in place (and returns it)
    "merge_pair_in_place": {
        "edits": [(NB, "merge_pair",
                   "    out = []\n    i = 0\n    while i < len(word):\n"
                   "        if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:\n"
                   "            out.append(new)\n            i += 2\n"
                   "        else:\n            out.append(word[i])\n            i += 1\n    return out",
                   "    i = 0\n    while i < len(word) - 1:\n"
                   "        if word[i] == pair[0] and word[i + 1] == pair[1]:\n"
                   "            word[i:i + 2] = [new]\n"
                   "        i += 1\n    return word")],
        "loses": ["merge_pair_visible", "merge_pair_hidden"],
    },
    # each distinct pre-token counted once: pairs are not weighted by how often their word occurs
    "pair_counts_ignore_word_frequency": {
        "edits": [(NB, "train_bpe", "freqs = list(counted.values())", "freqs = [1] * len(counted)")],
        "loses": ["train_bpe_visible", "train_bpe_hidden"],
    },
    # pairs whose count fell to 0 stay in the table: training goes on merging pairs that no longer occur
    "zero_counts_kept": {
        "edits": [(NB, "train_bpe",
                   "                if pair_counts[pair] == 0:\n                    del pair_counts[pair]\n", "")],
        "loses": ["train_bpe_visible", "train_bpe_hidden"],
    },
    # the merged token's id taken as 256 + rank: true only for train_bpe's layout without special tokens
    "merged_id_is_256_plus_rank": {
        "edits": [(NB, "tokenizer", "(rank, self.ids[a + b])", "(rank, 256 + rank)")],
        "loses": ["tokenizer_hidden", "special_stream_visible", "special_stream_hidden"],
    },
    # characters instead of UTF-8 bytes: "é" counts 1 instead of 2
    "bpb_counts_characters": {
        "edits": [(NB, "unigram_bpb", 'n_bytes = len(heldout_text.encode("utf-8"))', "n_bytes = len(heldout_text)")],
        "loses": ["unigram_bpb_visible", "unigram_bpb_hidden"],
    },
    # losses in nats: the natural logarithm without the conversion to bits
    "bpb_in_nats": {
        "edits": [(NB, "unigram_bpb", "math.log2(total / (counts[i] + 1))", "math.log(total / (counts[i] + 1))")],
        "loses": ["unigram_bpb_visible", "unigram_bpb_hidden"],
    },
    # one added to each count but not V to the total: the probabilities no longer sum to 1
    "bpb_smoothing_not_normalised": {
        "edits": [(NB, "unigram_bpb", "total = sum(counts.values()) + len(tokenizer.vocab)",
                   "total = sum(counts.values())")],
        "loses": ["unigram_bpb_visible", "unigram_bpb_hidden"],
    },
    # the model estimated on the held-out text it is evaluated on
    "bpb_fit_on_heldout": {
        "edits": [(NB, "unigram_bpb", "counts = Counter(tokenizer.encode(train_text))",
                   "counts = Counter(tokenizer.encode(heldout_text))")],
        "loses": ["unigram_bpb_visible", "unigram_bpb_hidden"],
    },
    # compression inverted: tokens per byte
    "bpb_tokens_per_byte": {
        "edits": [(NB, "unigram_bpb", '"bytes_per_token": n_bytes / len(ids)',
                   '"bytes_per_token": len(ids) / n_bytes')],
        "loses": ["unigram_bpb_visible", "unigram_bpb_hidden"],
    },
}
