"""The training plan: which micro-batches every optimizer step runs.

The paper optimises either the task or the alignment objective in a training
step, each with an effective batch of 128 (task micro-batches accumulated;
alignment as contrastive mini-batches of 32 pairs). The plan is built once
from the seed, so a resumed run replays exactly the steps it had left: one
dataset item per optimizer step and process, read in order.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

import torch

from xtransfer_bench.trainers.task_data import IGNORE


@dataclass
class Step:
    kind: str  # "task" or "align"
    micro_batches: list  # task: lists of example indices; align: lists of (x, pivot) pairs


def task_steps(num_examples: int, effective_batch: int, micro_batch: int, epochs: int, seed: int, world_size: int = 1,
               offset: int = 0) -> list[list[Step]]:
    """Per optimizer step, one Step per process; examples (indices offset..offset+n-1)
    reshuffled every epoch."""
    rng = random.Random(seed)
    steps = []
    for _ in range(epochs):
        order = list(range(offset, offset + num_examples))
        rng.shuffle(order)
        for start in range(0, num_examples, effective_batch):
            chunk = order[start:start + effective_batch]
            per_process = math.ceil(len(chunk) / world_size)
            shards = [chunk[r * per_process:(r + 1) * per_process] for r in range(world_size)]
            steps.append([Step("task", [s[i:i + micro_batch] for i in range(0, len(s), micro_batch)] or [[]]) for s in shards])
    return steps


def align_steps(stream, count: int, effective_batch: int, contrastive_batch: int, world_size: int = 1) -> list[list[Step]]:
    per_step = effective_batch // contrastive_batch
    steps = []
    for _ in range(count):
        minis = [list(itertools.islice(stream, contrastive_batch)) for _ in range(per_step)]
        steps.append([Step("align", minis[r::world_size]) for r in range(world_size)])
    return steps


def interleave(task: list, align: list) -> list:
    """task, align, task, align, ... (the longer list's rest at the end)."""
    out = []
    for pair in itertools.zip_longest(task, align):
        out.extend(s for s in pair if s is not None)
    return out


class PlanDataset(torch.utils.data.Dataset):
    """Item k = the Step of process k % world_size in optimizer step k // world_size,
    tokenised and padded, ready for the forward passes."""

    def __init__(self, plan: list[list[Step]], task_examples: list[dict], tokenizer, max_length: int):
        self.items = [step for per_process in plan for step in per_process]
        self.task_examples, self.tokenizer, self.max_length = task_examples, tokenizer, max_length

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        step = self.items[index]
        if step.kind == "task":
            micro = [pad_task([self.task_examples[i] for i in ids], self.tokenizer.pad_token_id) for ids in step.micro_batches if ids]
        else:
            micro = [encode_pairs(self.tokenizer, pairs, self.max_length) for pairs in step.micro_batches]
        return {"kind": step.kind, "micro": micro}


SPAN_MASKS = ("demo_mask", "target_mask")  # CL-ICP examples: tokens of x_d and x_t


def pad_task(examples: list[dict], pad_id: int) -> dict:
    width = max(len(e["input_ids"]) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    spans = {key: torch.zeros((len(examples), width), dtype=torch.bool) for key in SPAN_MASKS if key in examples[0]}
    for row, example in enumerate(examples):  # right padding: labels mask the pads
        n = len(example["input_ids"])
        ids[row, :n] = torch.tensor(example["input_ids"])
        labels[row, :n] = torch.tensor(example["labels"])
        mask[row, :n] = 1
        for key, values in spans.items():
            values[row, :n] = torch.tensor(example[key])
    return {"input_ids": ids, "attention_mask": mask, "labels": labels, **spans}


def encode_pairs(tokenizer, pairs: list[tuple[str, str]], max_length: int) -> dict:
    """Both sides of the pairs as right-padded batches (plain sentences, no template)."""
    def batch(texts):
        encoded = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        return encoded["input_ids"], encoded["attention_mask"]

    src_ids, src_mask = batch(p[0] for p in pairs)
    tgt_ids, tgt_mask = batch(p[1] for p in pairs)
    return {"src_ids": src_ids, "src_mask": src_mask, "tgt_ids": tgt_ids, "tgt_mask": tgt_mask}
