"""Correct answers written differently from the reference: every test must pass them (bench/grading_quality.py)."""

NB = "bpe.ipynb"

PRETOKEN_BODY = (
    "    specials = sorted(special_tokens, key=len, reverse=True)  # longest first: it wins over its own prefixes\n"
    '    pieces = regex.split("|".join(regex.escape(s) for s in specials), text) if specials else [text]\n'
    "    counts: Counter[tuple[bytes, ...]] = Counter()\n"
    "    for piece in pieces:\n"
    "        for match in GPT2_RE.finditer(piece):\n"
    '            counts[tuple(bytes([b]) for b in match.group().encode("utf-8"))] += 1\n'
    "    return counts"
)
MERGE_BODY = (
    "    out = []\n    i = 0\n    while i < len(word):\n"
    "        if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:\n"
    "            out.append(new)\n            i += 2\n"
    "        else:\n            out.append(word[i])\n            i += 1\n    return out"
)
TRAIN_LOOP = (
    "    counted = pretoken_counts(text, special_tokens)\n"
    "    words = [list(word) for word in counted]  # each unique pre-token once, as a list of tokens\n"
)
TRAIN_END = "                where[pair].add(i)\n    return vocab, merges\n"
BPB_BODY = (
    "    counts = Counter(tokenizer.encode(train_text))\n"
    "    total = sum(counts.values()) + len(tokenizer.vocab)  # add-one smoothing over the whole vocabulary\n"
    "    ids = tokenizer.encode(heldout_text)\n"
    '    n_bytes = len(heldout_text.encode("utf-8"))  # bytes, not characters: "é" is 2\n'
    "    bits = sum(math.log2(total / (counts[i] + 1)) for i in ids)  # -log2 p(id), summed over the held-out tokens\n"
    '    return {"bytes_per_token": n_bytes / len(ids), "bits_per_token": bits / len(ids), '
    '"bits_per_byte": bits / n_bytes}'
)

CORRECT_VARIANTS = {
    # a plain dict, a capturing split whose odd pieces (the special tokens) are skipped, findall, bytes slices
    "pretoken_counts_dict_and_findall": {
        "edits": [(NB, "pretoken_counts", PRETOKEN_BODY,
                   "    specials = sorted(special_tokens, key=lambda s: -len(s))\n"
                   "    if specials:\n"
                   '        pieces = regex.split("(" + "|".join(map(regex.escape, specials)) + ")", text)[::2]\n'
                   "    else:\n        pieces = [text]\n"
                   "    counts = {}\n"
                   "    for piece in pieces:\n"
                   "        for pre in GPT2_RE.findall(piece):\n"
                   '            b = pre.encode("utf-8")\n'
                   "            key = tuple(b[j:j + 1] for j in range(len(b)))\n"
                   "            counts[key] = counts.get(key, 0) + 1\n"
                   "    return counts")],
    },
    # special tokens found with finditer and the text between them collected by hand
    "pretoken_counts_special_by_finditer": {
        "edits": [(NB, "pretoken_counts", PRETOKEN_BODY,
                   "    counts = Counter()\n"
                   "    pieces, start = [], 0\n"
                   "    specials = sorted(special_tokens, key=len, reverse=True)\n"
                   "    if specials:\n"
                   '        for m in regex.finditer("|".join(regex.escape(s) for s in specials), text):\n'
                   "            pieces.append(text[start:m.start()])\n"
                   "            start = m.end()\n"
                   "    pieces.append(text[start:])\n"
                   '    counts.update(tuple(bytes([b]) for b in m.group().encode("utf-8"))\n'
                   "                  for piece in pieces for m in GPT2_RE.finditer(piece))\n"
                   "    return counts")],
    },
    # an index scan with a for loop and a skip flag, on a pair passed as a tuple
    "merge_pair_for_loop_with_skip": {
        "edits": [(NB, "merge_pair", MERGE_BODY,
                   "    out, skip = [], False\n"
                   "    for i, token in enumerate(word):\n"
                   "        if skip:\n            skip = False\n            continue\n"
                   "        if i + 1 < len(word) and (token, word[i + 1]) == tuple(pair):\n"
                   "            out.append(new)\n            skip = True\n"
                   "        else:\n            out.append(token)\n"
                   "    return out")],
    },
    # merging in place, but on a copy of the word: slice assignment inside a while loop
    "merge_pair_slice_assignment_on_copy": {
        "edits": [(NB, "merge_pair", MERGE_BODY,
                   "    out = list(word)\n    i = 0\n"
                   "    while i < len(out) - 1:\n"
                   "        if out[i] == pair[0] and out[i + 1] == pair[1]:\n"
                   "            out[i:i + 2] = [new]\n"
                   "        i += 1\n"
                   "    return out")],
    },
    # the textbook trainer: recount every pair after every merge, ties broken by max over (count, pair)
    "train_bpe_recount_every_merge": {
        "edits": [(NB, "train_bpe", TRAIN_LOOP, TRAIN_LOOP +
                   "    freqs = list(counted.values())\n"
                   "    merges = []\n"
                   "    while len(vocab) < vocab_size:\n"
                   "        pair_counts = Counter()\n"
                   "        for word, freq in zip(words, freqs):\n"
                   "            for pair in zip(word, word[1:]):\n"
                   "                pair_counts[pair] += freq\n"
                   "        if not pair_counts:\n            break\n"
                   "        best = max(pair_counts, key=lambda p: (pair_counts[p], p))\n"
                   "        merges.append(best)\n"
                   "        vocab[len(vocab)] = best[0] + best[1]\n"
                   "        words = [merge_pair(word, best, best[0] + best[1]) for word in words]\n"
                   "    return vocab, merges\n")],
    },
    # incremental counts that keep pairs whose count fell to 0 and stop when the best count is 0; sorting for ties
    "train_bpe_zero_counts_kept_sorted_ties": {
        "edits": [
            (NB, "train_bpe", "                if pair_counts[pair] == 0:\n                    del pair_counts[pair]\n",
             ""),
            (NB, "train_bpe",
             "        top = max(pair_counts.values())\n"
             "        best = max(pair for pair, count in pair_counts.items() if count == top)"
             "  # ties: the greatest pair\n",
             "        best, top = sorted(pair_counts.items(), key=lambda kv: (kv[1], kv[0]))[-1]\n"
             "        if top == 0:\n            break\n"),
            (NB, "train_bpe", "        for i in where.pop(best):", "        for i in sorted(where.pop(best)):"),
        ],
    },
    # the merged id looked up in a separate dict, the lowest rank found by an explicit scan, no cache
    "encode_scan_for_lowest_rank": {
        "edits": [
            (NB, "tokenizer",
             "        if pretoken not in self.cache:\n"
             '            ids = [self.ids[bytes([b])] for b in pretoken.encode("utf-8")]\n'
             "            while len(ids) > 1:\n"
             '                pair = min(pairwise(ids), key=lambda p: self.merge_ranks.get(p, (float("inf"), -1)))\n'
             "                if pair not in self.merge_ranks:\n"
             "                    break  # no adjacent pair was ever merged: done\n"
             "                ids = merge_pair(ids, pair, self.merge_ranks[pair][1])\n",
             '        ids = [self.ids[bytes([b])] for b in pretoken.encode("utf-8")]\n'
             "        while True:\n"
             "            best_rank, best_i = None, None\n"
             "            for i in range(len(ids) - 1):\n"
             "                entry = self.merge_ranks.get((ids[i], ids[i + 1]))\n"
             "                if entry is not None and (best_rank is None or entry[0] < best_rank):\n"
             "                    best_rank, best_i = entry[0], i\n"
             "            if best_i is None:\n"
             "                return ids\n"
             "            merged = self.merge_ranks[(ids[best_i], ids[best_i + 1])][1]\n"
             "            ids = ids[:best_i] + [merged] + ids[best_i + 2:]\n"
             "        if pretoken not in self.cache:\n"),
        ],
    },
    # special tokens appended after the largest id, decoding through a bytearray, the stream in a while loop
    "tokenizer_max_id_bytearray": {
        "edits": [
            (NB, "tokenizer",
             "                self.ids[special.encode(\"utf-8\")] = len(self.vocab)\n"
             "                self.vocab[len(self.vocab)] = special.encode(\"utf-8\")\n",
             "                new_id = max(self.vocab, default=-1) + 1\n"
             "                self.ids[special.encode(\"utf-8\")] = new_id\n"
             "                self.vocab[new_id] = special.encode(\"utf-8\")\n"),
            (NB, "tokenizer", '        return b"".join(self.vocab[i] for i in ids).decode("utf-8", errors="replace")',
             "        data = bytearray()\n        for i in ids:\n            data += self.vocab[i]\n"
             '        return bytes(data).decode("utf-8", "replace")'),
            (NB, "tokenizer",
             "            cut = self.safe_cut(buffer)\n"
             "            if cut > 0:\n"
             "                yield from self.encode(buffer[:cut])\n"
             "                buffer = buffer[cut:]\n",
             "            cut = self.safe_cut(buffer)\n"
             "            for token_id in self.encode(buffer[:cut]):\n"
             "                yield token_id\n"
             "            buffer = buffer[cut:]\n"),
        ],
    },
    # numpy: counts by bincount over the vocabulary, probabilities as an array, the loss by fancy indexing
    "bpb_numpy_bincount": {
        "edits": [(NB, "unigram_bpb", BPB_BODY,
                   "    import numpy as np\n\n"
                   "    V = len(tokenizer.vocab)\n"
                   "    counts = np.bincount(np.array(tokenizer.encode(train_text), dtype=np.int64), minlength=V) + 1\n"
                   "    p = counts / counts.sum()\n"
                   "    held = tokenizer.encode(heldout_text)\n"
                   "    bits = float(-np.log2(p[held]).sum())\n"
                   "    n = len(bytes(heldout_text, 'utf-8'))\n"
                   "    return dict(bytes_per_token=n / len(held), bits_per_token=bits / len(held), "
                   "bits_per_byte=bits / n)")],
    },
    # torch in float32, the loss in nats converted to bits at the end, the bytes counted through the vocabulary
    "bpb_torch_float32_nats": {
        "edits": [(NB, "unigram_bpb", BPB_BODY,
                   "    import torch\n\n"
                   "    V = len(tokenizer.vocab)\n"
                   "    counts = torch.ones(V)\n"
                   "    for i in tokenizer.encode(train_text):\n"
                   "        counts[i] += 1\n"
                   "    log_p = torch.log(counts / counts.sum())  # float32, nats\n"
                   "    held = tokenizer.encode(heldout_text)\n"
                   "    nats = -log_p[torch.tensor(held)].sum().item()\n"
                   "    bits = nats / math.log(2)\n"
                   "    n_bytes = len(b''.join(tokenizer.vocab[i] for i in held))\n"
                   '    return {"bits_per_byte": bits / n_bytes, "bits_per_token": bits / len(held),\n'
                   '            "bytes_per_token": n_bytes / len(held)}')],
    },
}
