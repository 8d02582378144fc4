"""Step 2 — a byte-level BPE tokenizer (GPT-2 style) trained on the corpus.

llama.cpp reads it as `tokenizer.ggml.model = "gpt2"`, `tokenizer.ggml.pre = "gpt-2"`: it splits
text with GPT-2's regex, maps bytes to GPT-2's printable alphabet and applies the merges by rank,
exactly what `encode` below does (test/server/modelFiles/trainedTokenizer.test.ts checks it).
Control tokens (<|endoftext|>, FIM) are whole tokens of type 3, never produced by merges.
"""
import heapq
from collections import Counter, defaultdict

import regex

from common import SPECIAL_TOKENS

# GPT-2's pre-tokenizer (openai/gpt-2 src/encoder.py), which llama.cpp uses for pre = "gpt-2".
GPT2_SPLIT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character table (openai/gpt-2 src/encoder.py)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(printable, (chr(c) for c in chars)))


BYTE_CHARS = bytes_to_unicode()


def merge_pair(symbols, pair, new_id):
    """Every occurrence of `pair` in `symbols`, left to right, replaced by `new_id`."""
    merged = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == pair[0] and symbols[i + 1] == pair[1]:
            merged.append(new_id)
            i += 2
        else:
            merged.append(symbols[i])
            i += 1
    return merged


def train(texts, vocab_size):
    """Returns merges [(a_id, b_id)] so that 256 bytes + merges + specials = vocab_size tokens."""
    word_counts = Counter()
    for text in texts:
        word_counts.update(GPT2_SPLIT.findall(text))
    words = [list(w.encode("utf-8")) for w in word_counts]
    freqs = list(word_counts.values())
    pair_counts = Counter()
    where = defaultdict(set)
    for index, (symbols, freq) in enumerate(zip(words, freqs)):
        for pair in zip(symbols, symbols[1:]):
            pair_counts[pair] += freq
            where[pair].add(index)
    heap = [(-count, pair) for pair, count in pair_counts.items()]
    heapq.heapify(heap)
    merges = []
    target_merges = vocab_size - 256 - len(SPECIAL_TOKENS)
    while len(merges) < target_merges and heap:
        negative, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -negative or -negative <= 0:
            continue  # stale heap entry
        new_id = 256 + len(merges)
        merges.append(pair)
        changed = Counter()
        for index in list(where[pair]):
            symbols = words[index]
            freq = freqs[index]
            merged = merge_pair(symbols, pair, new_id)
            if len(merged) == len(symbols):
                continue
            for old in zip(symbols, symbols[1:]):
                pair_counts[old] -= freq
                changed[old] += 1
            for new in zip(merged, merged[1:]):
                pair_counts[new] += freq
                where[new].add(index)
                changed[new] += 1
            words[index] = merged
        del where[pair]
        pair_counts.pop(pair, None)
        for p in changed:
            count = pair_counts.get(p, 0)
            if count > 0:
                heapq.heappush(heap, (-count, p))
            else:
                pair_counts.pop(p, None)
    return merges


class Tokenizer:
    """Encodes and decodes with trained merges; ids: bytes 0..255, merges, then control tokens."""

    def __init__(self, merges):
        self.merges = [tuple(m) for m in merges]
        self.byte_of = {}
        pieces = [bytes([b]) for b in range(256)]
        for a, b in self.merges:
            pieces.append(pieces[a] + pieces[b])
        self.pieces = pieces
        self.ranks = {pair: (rank, 256 + rank) for rank, pair in enumerate(self.merges)}
        self.special = {name: len(pieces) + i for i, name in enumerate(SPECIAL_TOKENS)}
        self.vocab_size = len(pieces) + len(SPECIAL_TOKENS)
        self.cache = {}

    def _word(self, word):
        cached = self.cache.get(word)
        if cached is not None:
            return cached
        symbols = list(word.encode("utf-8"))
        while len(symbols) > 1:
            best = None
            for i, pair in enumerate(zip(symbols, symbols[1:])):
                rank = self.ranks.get(pair)
                if rank is not None and (best is None or rank[0] < best[0]):
                    best = (rank[0], rank[1], pair)
            if best is None:
                break
            _, new_id, pair = best
            symbols = merge_pair(symbols, pair, new_id)
        if len(self.cache) < 2_000_000:
            self.cache[word] = symbols
        return symbols

    def encode(self, text):
        ids = []
        for word in GPT2_SPLIT.findall(text):
            ids.extend(self._word(word))
        return ids

    def decode(self, ids):
        out = bytearray()
        names = {v: k for k, v in self.special.items()}
        for i in ids:
            out += names[i].encode() if i in names else self.pieces[i]
        return out.decode("utf-8", errors="replace")

    def gguf_tokens(self):
        """Token strings in GPT-2's byte alphabet, then the control tokens; and their types."""
        tokens = ["".join(BYTE_CHARS[b] for b in piece) for piece in self.pieces] + list(SPECIAL_TOKENS)
        types = [1] * len(self.pieces) + [3] * len(SPECIAL_TOKENS)
        return tokens, types

    def gguf_merges(self):
        tokens, _ = self.gguf_tokens()
        return [f"{tokens[a]} {tokens[b]}" for a, b in self.merges]


if __name__ == "__main__":
    # `python3 bpe.py encode TOKENIZER.json < text` prints the ids as JSON (used by the tokenizer test).
    import json
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "encode":
        with open(sys.argv[2], encoding="utf-8") as f:
            tokenizer = Tokenizer(json.load(f)["merges"])
        print(json.dumps(tokenizer.encode(sys.stdin.read())))
    else:
        sys.exit("usage: bpe.py encode TOKENIZER.json < text")
