"""A PyTorch replica of the small byte-level model of docs/results.md and of its retrieval tasks.

It asks whether a result at this size belongs to the task or to the framework: the model is the
recipes' Llama layout (RMSNorm, RoPE, SwiGLU MLP of 4 * dim, untied embeddings, every matrix
drawn from N(0, 0.02)), trained by AdamW (betas 0.9/0.999, eps 1e-8, no decay) with gradients
clipped at norm 1 and the rate warmed up over 50 steps, then cosine-decayed to 3e-4. Prompts are
built as the `mqar` and `needle` tasks build them (the needle's filler is a stand-in), and the
score is the greedy first digit of the answer on 256 held-out prompts.

    python3 docs/results/replica.py layout=listed pairs=16 queries=4 lr=1e-3 steps=5000 every=500
    python3 docs/results/replica.py layout=inline pairs=8 queries=8 loss=all lr=1e-3 steps=5000 every=500
    python3 docs/results/replica.py layout=needle loss=answer lr=1e-3 batch=16 steps=3000 every=500

Arguments are key=value: layout (listed, inline, needle), pairs, queries, steps, batch, lr,
loss (answer: the answer's tokens only, as `sft`; all: every token, as `pretrain`), dim,
layers, heads, seed, every (steps between evaluations), haystack (the needle's characters).
Prints the step, the training loss, the held-out recall and the seconds so far.
"""
import math
import random
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
ARGS = dict(a.split("=", 1) for a in sys.argv[1:])
LAYOUT = ARGS.get("layout", "listed")
PAIRS = int(ARGS.get("pairs", 4))
QUERIES = int(ARGS.get("queries", 1))
STEPS = int(ARGS.get("steps", 1000))
BATCH = int(ARGS.get("batch", 32))
LR = float(ARGS.get("lr", 3e-3))
LOSS = ARGS.get("loss", "answer")
DIM = int(ARGS.get("dim", 64))
LAYERS = int(ARGS.get("layers", 2))
HEADS = int(ARGS.get("heads", 4))
SEED = int(ARGS.get("seed", 0))
EVERY = int(ARGS.get("every", 100))
HAYSTACK = int(ARGS.get("haystack", 128))
MIN_LR = 3e-4
VOCAB, EOS, PAD = 259, 257, 258  # bytes, then the byte tokenizer's bos, eos and pad
FILLER = ["The grass is green. ", "The sky is blue. ", "The sun is yellow. ", "Here we go. ",
          "There and back again. "]


def needle_example(r):
    value = r.choice("0123456789")
    needle = "Key #" + value + ". "
    units, used = [], 0
    while used + len(FILLER[len(units) % 5]) <= HAYSTACK - len(needle):
        units.append(FILLER[len(units) % 5])
        used += len(units[-1])
    at = r.randint(0, len(units))
    haystack = "".join(units[:at]) + needle + "".join(units[at:])
    prompt = "Read the text below and answer the question after it.\n\n" + haystack
    return prompt + "What is the key?", "#" + value


def mqar_example(r):
    keys = r.sample("abcdefghijklmnopqrstuvwxyz", PAIRS)
    values = [r.choice("0123456789") for _ in keys]
    prompt = " ".join(k + "=" + v for k, v in zip(keys, values))
    order = r.sample(range(PAIRS), QUERIES)
    if LAYOUT == "listed":
        prompt += "\nquery: " + " ".join(keys[i] for i in order) + "\nanswer:"
        return prompt, " ".join(values[i] for i in order)
    asked = "".join(keys[i] + "= " + values[i] + " " for i in order[:-1])
    return prompt + "\n" + asked + keys[order[-1]] + "=", values[order[-1]]


def example(r):
    return needle_example(r) if LAYOUT == "needle" else mqar_example(r)


def encode(text):
    return list(text.encode())


def rms_norm(x, weight):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * weight


def rope(x):
    """Rotary embedding of x [B, H, T, D], halves rotated as in the Llama layout."""
    t, d = x.shape[2], x.shape[3]
    angles = torch.arange(t).float()[:, None] * 10000 ** (-torch.arange(0, d, 2).float() / d)[None]
    cos, sin = torch.cat([angles.cos()] * 2, -1), torch.cat([angles.sin()] * 2, -1)
    return x * cos + torch.cat([-x[..., d // 2:], x[..., :d // 2]], -1) * sin


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention_norm = nn.Parameter(torch.ones(DIM))
        self.mlp_norm = nn.Parameter(torch.ones(DIM))
        self.q, self.k, self.v, self.o = (nn.Linear(DIM, DIM, bias=False) for _ in range(4))
        self.gate = nn.Linear(DIM, 4 * DIM, bias=False)
        self.up = nn.Linear(DIM, 4 * DIM, bias=False)
        self.down = nn.Linear(4 * DIM, DIM, bias=False)

    def forward(self, x):
        b, t, _ = x.shape
        h = rms_norm(x, self.attention_norm)
        q, k, v = (m(h).view(b, t, HEADS, DIM // HEADS).transpose(1, 2)
                   for m in (self.q, self.k, self.v))
        scores = rope(q) @ rope(k).transpose(-1, -2) / math.sqrt(DIM // HEADS)
        scores = scores.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1), float("-inf"))
        x = x + self.o((scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, DIM))
        h = rms_norm(x, self.mlp_norm)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, DIM)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.norm = nn.Parameter(torch.ones(DIM))
        self.head = nn.Linear(DIM, VOCAB, bias=False)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, tokens):
        x = self.embed(tokens)
        for block in self.blocks:
            x = block(x)
        return self.head(rms_norm(x, self.norm))


def rate(step):
    if step < 50:
        return LR * (step + 1) / 50
    progress = (step - 50) / max(1, STEPS - 50)
    return MIN_LR + (LR - MIN_LR) * 0.5 * (1 + math.cos(math.pi * progress))


def recall(model, held_out):
    """The share of held-out prompts whose answer's first digit the model predicts greedily."""
    right = 0
    with torch.no_grad():
        for prompt, reference in held_out:
            tokens, digit = encode(prompt + " "), reference.split(" ")[0]
            if LAYOUT == "needle":
                tokens, digit = tokens + encode("#"), reference[1]
            best = model(torch.tensor([tokens]))[0, -1].argmax().item()
            right += best < 256 and chr(best) == digit
    return right / len(held_out)


def main():
    torch.manual_seed(SEED)
    draws = random.Random(SEED)
    model = Model()
    optimiser = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8,
                                  weight_decay=0)
    held_out_draws = random.Random(12345)
    held_out = [example(held_out_draws) for _ in range(256)]
    start = time.time()
    for step in range(STEPS):
        for group in optimiser.param_groups:
            group["lr"] = rate(step)
        rows, masks = [], []
        for _ in range(BATCH):
            prompt, reference = example(draws)
            answer, tokens = encode(" " + reference) + [EOS], encode(prompt)
            rows.append(tokens + answer)
            masks.append([1 if LOSS == "all" else 0] * len(tokens) + [1] * len(answer))
        length = max(map(len, rows))
        batch = torch.full((BATCH, length), PAD)
        mask = torch.zeros(BATCH, length)
        for i, (row, row_mask) in enumerate(zip(rows, masks)):
            batch[i, :len(row)] = torch.tensor(row)
            mask[i, :len(row)] = torch.tensor(row_mask, dtype=torch.float)
        targets = batch[:, 1:].clone()
        targets[mask[:, 1:] == 0] = -100
        logits = model(batch)[:, :-1]
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1), ignore_index=-100)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        if (step + 1) % EVERY == 0:
            print(step + 1, round(loss.item(), 4), "recall", recall(model, held_out),
                  round(time.time() - start), flush=True)


if __name__ == "__main__":
    main()
