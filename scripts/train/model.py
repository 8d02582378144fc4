"""The LLaMA-style decoder every family member uses, written to match llama.cpp's `llama` graph:
RMSNorm (eps 1e-5), RoPE in llama.cpp's NORM mode (adjacent pairs (x0,x1),(x2,x3)..., base 10000),
SwiGLU feed-forward, untied output, no biases. Exported weights load in node-llama-cpp unchanged.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

ROPE_BASE = 10000.0
NORM_EPS = 1e-5


class RMSNorm(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + NORM_EPS) * self.weight


def rope_tables(head_dim, length, device=None):
    inv = ROPE_BASE ** (-torch.arange(0, head_dim, 2, dtype=torch.float32, device=device) / head_dim)
    angles = torch.arange(length, dtype=torch.float32, device=device)[:, None] * inv[None, :]
    return torch.cos(angles), torch.sin(angles)


def apply_rope(x, cos, sin):
    # x: [batch, heads, time, head_dim]; rotate adjacent pairs (NORM mode, not NeoX halves).
    even, odd = x[..., 0::2], x[..., 1::2]
    rotated_even = even * cos - odd * sin
    rotated_odd = even * sin + odd * cos
    return torch.stack((rotated_even, rotated_odd), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, width, heads, feed_forward):
        super().__init__()
        self.heads = heads
        self.attn_norm = RMSNorm(width)
        self.wq = nn.Linear(width, width, bias=False)
        self.wk = nn.Linear(width, width, bias=False)
        self.wv = nn.Linear(width, width, bias=False)
        self.wo = nn.Linear(width, width, bias=False)
        self.ffn_norm = RMSNorm(width)
        self.w_gate = nn.Linear(width, feed_forward, bias=False)
        self.w_up = nn.Linear(width, feed_forward, bias=False)
        self.w_down = nn.Linear(feed_forward, width, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, w = x.shape
        hd = w // self.heads
        h = self.attn_norm(x)
        q = self.wq(h).view(b, t, self.heads, hd).transpose(1, 2)
        k = self.wk(h).view(b, t, self.heads, hd).transpose(1, 2)
        v = self.wv(h).view(b, t, self.heads, hd).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask
        attention = torch.softmax(scores, dim=-1) @ v
        x = x + self.wo(attention.transpose(1, 2).reshape(b, t, w))
        h = self.ffn_norm(x)
        return x + self.w_down(F.silu(self.w_gate(h)) * self.w_up(h))


class CodeLM(nn.Module):
    def __init__(self, vocab, width, layers, heads, feed_forward, context):
        super().__init__()
        self.config = dict(vocab=vocab, width=width, layers=layers, heads=heads, feed_forward=feed_forward, context=context)
        self.embed = nn.Embedding(vocab, width)
        self.blocks = nn.ModuleList(Block(width, heads, feed_forward) for _ in range(layers))
        self.norm = RMSNorm(width)
        self.output = nn.Linear(width, vocab, bias=False)
        cos, sin = rope_tables(width // heads, context)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, std=0.02)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, std=0.02)
        for block in self.blocks:  # GPT-2's scaled init of residual projections
            nn.init.normal_(block.wo.weight, std=0.02 / math.sqrt(2 * layers))
            nn.init.normal_(block.w_down.weight, std=0.02 / math.sqrt(2 * layers))

    def forward(self, ids):
        t = ids.shape[1]
        mask = torch.full((t, t), float("-inf"), device=ids.device).triu(1)
        x = self.embed(ids)
        cos, sin = self.cos[:t], self.sin[:t]
        for block in self.blocks:
            x = block(x, cos, sin, mask)
        return self.output(self.norm(x))

    def parameter_count(self):
        return sum(p.numel() for p in self.parameters())
