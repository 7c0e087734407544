"""Train an adapter (LoRA or soft prompt) or a full model: task SFT,
middle-layer alignment (task and alignment steps alternating), alignment
only, and the cross-lingual transfer modes of the CL-ICP paper (FT, TL, MTL,
CL-ICP with or without representation shift; trainers/transfer.py).
transformers' Trainer does the
optimiser, the inverse-sqrt schedule, checkpoints, resuming, early stopping
and multi-GPU (accelerate: `accelerate launch` and its DeepSpeed/FSDP
configs work unchanged); this module supplies the objectives and the plan of
steps (trainers/steps.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import math
import os
import sys
from pathlib import Path

import torch
from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

from xtransfer_bench.trainers import alignment, steps
from xtransfer_bench.trainers.config import TRANSFER_MODES, ConfigError, TrainConfig
from xtransfer_bench.adapters import SHIFT_FILE
from xtransfer_bench.shift import RepresentationShift
from xtransfer_bench.trainers.task_data import DEV_SPLIT, encode_docs, load_task_docs
from xtransfer_bench.trainers.transfer import transfer_phases

log = logging.getLogger(__name__)


class XTransferTrainer(Trainer):
    """One dataset item = one optimizer step of one objective (for this process)."""

    def __init__(self, *args, config: TrainConfig, align_layer: int, dev_sets: dict,
                 shift: RepresentationShift | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.config, self.align_layer, self.dev_sets, self.shift = config, align_layer, dev_sets, shift
        self._recent: dict[str, list[float]] = {"task": [], "align": []}

    def _get_train_sampler(self, *args, **kwargs):
        # The plan is already in order (alternation, epochs, resume position).
        return torch.utils.data.SequentialSampler(self.train_dataset)

    def micro_loss(self, model, kind: str, batch: dict) -> torch.Tensor:
        if kind == "task":
            demo, target = (batch.pop(key, None) for key in steps.SPAN_MASKS)
            if self.shift is None or demo is None:
                return model(**batch, use_cache=False).loss
            with self.shift.spans(demo, target):
                return model(**batch, use_cache=False).loss
        skip = self.config.align_skip_first_token
        source = alignment.pooled_states(model, batch["src_ids"], batch["src_mask"], self.align_layer, skip_first_token=skip)
        target = alignment.pooled_states(model, batch["tgt_ids"], batch["tgt_mask"], self.align_layer, skip_first_token=skip)
        return alignment.info_nce(source, target, self.config.temperature)

    def training_step(self, model, inputs, num_items_in_batch=None):
        model.train()
        micro = inputs["micro"]
        total = torch.zeros((), device=self.args.device)
        for index, batch in enumerate(micro):
            batch = self._prepare_inputs(batch)
            # Gradients are synchronised across processes once, after the last micro-batch.
            sync = index == len(micro) - 1 or self.accelerator.num_processes == 1
            with (torch.enable_grad() if sync else self.accelerator.no_sync(model)):
                with self.compute_loss_context_manager():
                    loss = self.micro_loss(model, inputs["kind"], batch) / len(micro)
                self.accelerator.backward(loss)
            total += loss.detach()
        self._recent[inputs["kind"]].append(total.item())
        return total

    def log(self, logs: dict, *args, **kwargs) -> None:
        for kind, values in self._recent.items():
            if values:
                logs[f"{kind}_loss"] = round(sum(values) / len(values), 4)
        self._recent = {"task": [], "align": []}
        super().log(logs, *args, **kwargs)

    @torch.no_grad()
    def dev_loss(self, kind: str) -> float:
        self.model.eval()
        losses = [self.micro_loss(self.model, kind, self._prepare_inputs(dict(batch))).item() for batch in self.dev_sets[kind]]
        return sum(losses) / len(losses)

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval"):
        """Dev loss of the task (sft, midalign: what early stopping watches, as in
        the paper) or of the alignment objective (align mode); both when both exist."""
        metrics = {f"{metric_key_prefix}_{kind}_loss": self.dev_loss(kind) for kind in self.dev_sets}
        main = "task" if "task" in self.dev_sets else "align"
        metrics[f"{metric_key_prefix}_loss"] = metrics[f"{metric_key_prefix}_{main}_loss"]
        self.log(metrics)
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
        return metrics


def build_tokenizer(config: TrainConfig):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(config.model)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"  # pooled states and labels assume right padding
    return tokenizer


def num_layers_of(model_name: str) -> int:
    from transformers import AutoConfig

    return AutoConfig.from_pretrained(model_name).get_text_config().num_hidden_layers


def build_model(config: TrainConfig):
    """The base model with a fresh LoRA, a fresh soft prompt (PEFT prompt
    tuning, base weights frozen), or every weight trainable (tuning=full)."""
    from peft import LoraConfig, PromptTuningConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    dtype = torch.bfloat16 if config.bf16 else torch.float32
    model = AutoModelForCausalLM.from_pretrained(config.model, dtype=dtype)
    if config.tuning == "full":
        return model
    if config.tuning == "prompt":
        adapter = PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=config.num_virtual_tokens,
                                     prompt_tuning_init=config.prompt_init)
    else:
        adapter = LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                             target_modules=config.lora_targets, task_type="CAUSAL_LM")
    return get_peft_model(model, adapter)


def shift_layer_indices(config: TrainConfig, num_layers: int) -> tuple[int, int] | None:
    """(L_to, L_back) as decoder layer numbers 1..num_layers, or None without shift."""
    if not config.shift:
        return None
    to, back = (alignment.resolve_layer(layer, num_layers) for layer in config.shift_layers)
    if not to < back:
        raise ConfigError(f"shift_layers {config.shift_layers} resolve to L_to={to}, L_back={back}; L_to must be below L_back.")
    return to, back


def task_phases(config: TrainConfig, split: str) -> list[list[dict]]:
    if config.mode in TRANSFER_MODES:
        return transfer_phases(config, split)
    limit = config.limit_train_examples if split == "train" else config.limit_dev_examples
    return [load_task_docs(config.task, config.train_langs, split, limit)]


def prepare(config: TrainConfig, tokenizer, num_layers: int, world_size: int = 1):
    """Everything checked and built before the model trains: data, plan, dev sets."""
    layer = alignment.resolve_layer(config.align_layer, num_layers) if config.uses_alignment else 0
    task_examples, plan_task, dev_sets, hashes = [], [], {}, {}
    if config.uses_task:
        for phase in task_phases(config, "train"):  # tl: dominant language, then targets
            encoded = encode_docs(tokenizer, config.task, phase, config.max_length, config.demo_loss)
            plan_task += steps.task_steps(len(encoded), config.effective_batch, config.micro_batch,
                                          config.max_epochs, config.seed, world_size, offset=len(task_examples))
            task_examples += encoded
        if not task_examples:
            raise ConfigError(f"No {config.task} training examples for mode {config.mode}.")
        dev_examples = [example for phase in task_phases(config, DEV_SPLIT)
                        for example in encode_docs(tokenizer, config.task, phase, config.max_length, config.demo_loss)]
        if dev_examples:  # XQuAD and XCOPA have no dev split: fixed epochs
            dev_sets["task"] = [steps.pad_task(dev_examples[i:i + config.micro_batch], tokenizer.pad_token_id)
                                for i in range(0, len(dev_examples), config.micro_batch)]
        hashes["task_train"] = digest(task_examples)
        hashes["task_dev"] = digest(dev_examples)
    plan_align = []
    if config.uses_alignment:
        pairs = alignment.load_pairs(config.align_source, config.align_langs, config.align_pivot)
        train_pairs, dev_pairs = alignment.split_dev(pairs, config.align_dev_pairs, config.seed)
        dev_flat = [p for lang in sorted(dev_pairs) for p in dev_pairs[lang]]
        dev_sets["align"] = [steps.encode_pairs(tokenizer, dev_flat[i:i + config.contrastive_batch], config.max_length)
                             for i in range(0, len(dev_flat), config.contrastive_batch)]
        count = len(plan_task) if config.uses_task else math.ceil(
            config.max_epochs * sum(map(len, train_pairs.values())) / config.effective_batch)
        plan_align = steps.align_steps(alignment.uniform_stream(train_pairs, config.seed), count,
                                       config.effective_batch, config.contrastive_batch, world_size)
        hashes["align_train"] = digest(train_pairs)
        hashes["align_dev"] = digest(dev_pairs)
    plan = steps.interleave(plan_task, plan_align)
    if config.max_steps > 0:
        plan = plan[:config.max_steps]
    return layer, task_examples, plan, dev_sets, hashes


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def train(config: TrainConfig, resume: bool = False, callbacks: list | None = None) -> Path:
    """Train, save the adapter (an ordinary PEFT folder) and its run record in
    config.output_dir; with resume=True continue from the last checkpoint there."""
    from transformers import set_seed

    world_size = int(os.environ.get("WORLD_SIZE", 1))
    if config.bf16 and not torch.cuda.is_available():
        # The papers' configs train in bf16 on GPUs; transformers refuses bf16
        # on a CPU. Train in float32 there (slower, same recipe) and say so;
        # the run record keeps bf16=false.
        log.warning("bf16=true needs a GPU; training in float32 on this CPU (pass bf16=false to silence this).")
        config = dataclasses.replace(config, bf16=False)
    # Config, data and plan are checked before the model loads.
    tokenizer = build_tokenizer(config)
    num_layers = num_layers_of(config.model)
    shift_layers = shift_layer_indices(config, num_layers)
    layer, task_examples, plan, dev_sets, hashes = prepare(config, tokenizer, num_layers, world_size)
    set_seed(config.seed)  # the LoRA initialisation, before Trainer seeds its own RNGs
    model = build_model(config)
    shift = RepresentationShift(model, *shift_layers) if shift_layers else None
    output = Path(config.output_dir)
    total_steps = len(plan)
    evaluates = bool(dev_sets)
    args = TrainingArguments(
        output_dir=str(output),
        per_device_train_batch_size=1,
        gradient_accumulation_steps=1,
        max_steps=total_steps,
        learning_rate=config.learning_rate,
        lr_scheduler_type=config.lr_scheduler,
        warmup_steps=math.ceil(config.warmup_ratio * total_steps),
        eval_strategy="steps" if evaluates else "no",
        eval_steps=config.eval_steps,
        save_strategy="steps",
        save_steps=config.eval_steps,
        save_total_limit=config.save_total_limit,
        # patience 0 or no dev set: fixed epochs, the last model is the result.
        load_best_model_at_end=evaluates and config.patience > 0,
        metric_for_best_model="eval_loss" if evaluates else None,
        greater_is_better=False,
        logging_steps=1 if total_steps < 50 else 10,
        report_to=[],
        seed=config.seed,
        data_seed=config.seed,
        bf16=config.bf16,
        remove_unused_columns=False,
        dataloader_num_workers=0,
        disable_tqdm=False,
    )
    trainer = XTransferTrainer(
        model=model,
        args=args,
        train_dataset=steps.PlanDataset(plan, task_examples, tokenizer, config.max_length),
        # Dev losses are computed by XTransferTrainer.evaluate from dev_sets;
        # Trainer only needs to know that there is something to evaluate.
        eval_dataset=next(iter(dev_sets.values())) if evaluates else None,
        data_collator=lambda items: items[0],
        callbacks=[*([EarlyStoppingCallback(early_stopping_patience=config.patience)] if args.load_best_model_at_end else []),
                   *(callbacks or [])],
        config=config,
        align_layer=layer,
        dev_sets=dev_sets,
        shift=shift,
    )
    with shift.attached() if shift else contextlib.nullcontext():
        result = trainer.train(resume_from_checkpoint=True if resume else None)
    trainer.save_model(str(output))
    tokenizer.save_pretrained(str(output))
    if shift_layers:
        # Read by xtransfer-hf, which applies the same shift at inference.
        (output / SHIFT_FILE).write_text(json.dumps({"layer_to": shift_layers[0], "layer_back": shift_layers[1]}) + "\n")
    write_run_record(output, config, hashes, layer, trainer, result)
    return output


def write_run_record(output: Path, config: TrainConfig, hashes: dict, layer: int, trainer, result) -> None:
    import importlib.metadata as metadata

    from xtransfer_bench import prompts

    versions = {}
    for package in ("torch", "transformers", "peft", "accelerate", "datasets", "xtransfer-bench"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    record = {
        "config": config.to_dict(),
        "align_layer_index": layer or None,
        "shift_layers": json.loads((output / SHIFT_FILE).read_text()) if (output / SHIFT_FILE).is_file() else None,
        "versions": versions,
        "data_sha256": hashes,
        "prompts_sha256": digest(Path(prompts.__file__).read_text(encoding="utf-8")),
        "command": sys.argv,
        "steps": trainer.state.global_step,
        "best_checkpoint": trainer.state.best_model_checkpoint,
        "best_dev_loss": trainer.state.best_metric,
        "train_loss": result.training_loss,
        "log_history": trainer.state.log_history,
    }
    (output / "run_record.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
