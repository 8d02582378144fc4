"""Training samples: plain left-to-right windows and, for about half, fill-in-the-middle ones.

A FIM sample is cut from a file's text the way the daemon builds its prompt
(server/prompt/completionPrompt.ts): the cursor on a line (at its first non-space character or
inside it), the middle to the end of that line (and sometimes a few more), prefix and suffix
tokenized separately, in prefix-suffix-middle order:
  <|fim_prefix|> prefix <|fim_suffix|> suffix <|fim_middle|> middle <|endoftext|>
"""
import random

import torch


class SampleSource:
    def __init__(self, tokenizer, texts, stream, seq_len, fim_share, seed):
        self.tokenizer = tokenizer
        self.texts = [t for t in texts if t.count("\n") >= 4]
        self.weights = [len(t) for t in self.texts]
        self.stream = stream  # 1-D LongTensor of the concatenated training files
        self.seq_len = seq_len
        self.fim_share = fim_share
        self.rng = random.Random(seed)
        s = tokenizer.special
        self.eot, self.fp, self.fs, self.fm = s["<|endoftext|>"], s["<|fim_prefix|>"], s["<|fim_suffix|>"], s["<|fim_middle|>"]

    def window(self):
        start = self.rng.randrange(0, len(self.stream) - self.seq_len - 1)
        return self.stream[start:start + self.seq_len + 1]

    def fim(self):
        text = self.rng.choices(self.texts, weights=self.weights)[0]
        lines = text.split("\n")
        line = self.rng.randrange(1, len(lines) - 1)
        while line < len(lines) - 1 and not lines[line].strip():
            line += 1
        line_start = sum(len(l) + 1 for l in lines[:line])
        body = lines[line]
        indent = len(body) - len(body.lstrip())
        column = indent if self.rng.random() < 0.5 or len(body) <= indent + 1 else self.rng.randrange(indent, len(body))
        cursor = line_start + column
        extra = 0
        while self.rng.random() < 0.4 and line + extra + 1 < len(lines) - 1:
            extra += 1
        end = line_start + sum(len(l) + 1 for l in lines[line:line + extra + 1]) - 1
        prefix, middle, suffix = text[:cursor], text[cursor:end], text[end:]
        budget = self.seq_len + 1 - 4
        middle_ids = self.tokenizer.encode(middle)[: budget // 4]
        rest = budget - len(middle_ids)
        suffix_ids = self.tokenizer.encode(suffix[:2000])[: rest // 4]
        prefix_ids = self.tokenizer.encode(prefix[-6000:])
        prefix_ids = prefix_ids[max(0, len(prefix_ids) - (rest - len(suffix_ids))):]
        ids = [self.fp] + prefix_ids + [self.fs] + suffix_ids + [self.fm] + middle_ids + [self.eot]
        if len(ids) < self.seq_len + 1:  # pad with the stream so every row has the same length
            ids = ids + self.window()[: self.seq_len + 1 - len(ids)].tolist()
        return torch.tensor(ids[: self.seq_len + 1], dtype=torch.long)

    def batch(self, size):
        rows = [self.fim() if self.rng.random() < self.fim_share else self.window() for _ in range(size)]
        return torch.stack(rows)
