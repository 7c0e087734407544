"""`xtransfer-hf`: one HF model, many adapters, batches that mix them.

lm-eval's `hf` model serves one adapter per process. This model loads every
LoRA adapter of `adapters=` into one PEFT model and generates the answer of
every adapter (and of the base model) in shared batches through PEFT's
mixed-adapter inference (`adapter_names=` per row). Soft prompts (PEFT prompt
tuning) live in a second PEFT wrapper over the same weights and run in
batches of their own (PEFT cannot mix them with LoRA rows).

Adapters trained with CL-ICP's representation shift (a `xtransfer_shift.json`
next to the weights, trainers/shift.py) run with the same shift: forward
hooks at L_to and L_back move the question's tokens towards the
demonstrations and back, on the prompt pass. Their rows run in batches of
their own. `shift=off` serves them without it (CL-ICP vs CL-ICP (S) at
inference). vLLM has no such hooks: xtransfer-vllm refuses them unless
`shift=off`.

Everything else (tokenisation, left padding, truncation, stop sequences,
decoding) is lm-eval's HFLM code, so outputs equal `--model hf
--model_args peft=<adapter>` request by request under greedy decoding.
How answers are shared between adapters: see fan_out.py.
"""

from __future__ import annotations

import contextlib
import warnings

from lm_eval.api.registry import register_model
from lm_eval.models.huggingface import HFLM

import torch

from xtransfer_bench.backends.adapter_set import (
    BASE,
    LORA,
    PROMPT_TUNING,
    check_compatible,
    check_shift_mode,
    parse_adapters,
)
from xtransfer_bench.backends.fan_out import AdapterFanOut

# PEFT warns that prompt tuning drops position ids; _positions_from_mask
# restores them below the PEFT wrapper.
warnings.filterwarnings("ignore", message="Position ids are not supported for parameter efficient tuning")

# PEFT's name for "no adapter" in mixed batches.
PEFT_BASE = "__base__"


class _AdapterContext(str):
    """A prompt that remembers which adapter answers it. lm-eval's batching
    (Collator) sorts and groups these like plain strings and hands the very
    objects to tok_batch_encode, where the adapter of each row is read off."""

    adapter: str

    def __new__(cls, text: str, adapter: str):
        obj = super().__new__(cls, text)
        obj.adapter = adapter
        return obj


def _positions_from_mask(_module, args, kwargs):
    """Position ids from the attention mask, for soft prompts.

    PEFT prompt tuning drops position ids, so the model numbers positions
    0..n over [virtual tokens, left pads, prompt]: the distance from the soft
    prompt to the text grew with the row's padding, and a row's answer
    depended on the batch it was in (seen on SmolLM2 at batch 4). Numbering
    only the attended tokens, as HF generation does for ordinary models,
    gives every row the positions it has alone, as in vLLM."""
    mask = kwargs.get("attention_mask")
    if kwargs.get("position_ids") is not None or not isinstance(mask, torch.Tensor) or mask.dim() != 2:
        return None
    inputs = kwargs.get("inputs_embeds") if kwargs.get("inputs_embeds") is not None else kwargs.get("input_ids")
    if inputs is None:
        return None
    positions = (mask.long().cumsum(-1) - 1).clamp(min=0)[:, -inputs.shape[1]:]
    return args, {**kwargs, "position_ids": positions}


class _Request:
    def __init__(self, args):
        self.args = args


@register_model("xtransfer-hf")
class MultiAdapterHFLM(AdapterFanOut, HFLM):
    def __init__(
        self,
        pretrained,
        adapters: str | None = None,
        active: str = BASE,
        include_base: bool = True,
        mix_adapters: bool | str | None = None,
        shift: str = "auto",
        **kwargs,
    ):
        if "peft" in kwargs:
            raise ValueError("xtransfer-hf takes adapters=name:path;...; use lm_eval --model hf for peft=.")
        self.adapter_set = parse_adapters(adapters)
        check_compatible(self.adapter_set, str(pretrained), engine="xtransfer-hf", shift=shift)
        super().__init__(pretrained=pretrained, **kwargs)
        self._lora_model = self._prompt_model = None
        self._load_adapters()
        self._shifts = self._load_shifts() if check_shift_mode(shift) == "auto" else {}
        self._shift_masks: tuple[torch.Tensor, torch.Tensor] | None = None
        # Measured on 2 CPU cores (SmolLM2, 4 adapters, benchmarks/eval_throughput.py):
        # PEFT's mixed-batch forward costs ~1.35x per token over one adapter, and
        # per-adapter batches finish 11% sooner; on GPUs mixing is the point.
        if mix_adapters is None:
            mix_adapters = self.device.type == "cuda"
        self.mix_adapters = mix_adapters in (True, "True", "true", "1", 1)
        self._init_fan_out(include_base, active)
        self._row_adapters: list[str] | None = None

    def _load_adapters(self) -> None:
        from peft import PeftModel

        for kind in (LORA, PROMPT_TUNING):
            wrapper = None
            for adapter in (a for a in self.adapter_set if a.kind == kind):
                if wrapper is None:
                    # Prompt tuning wraps the (LoRA-injected) transformer itself;
                    # LoRA layers are switched off while a soft prompt runs.
                    inner = self._lora_model.base_model.model if self._lora_model is not None else self._model
                    wrapper = PeftModel.from_pretrained(inner, adapter.path, adapter_name=adapter.name)
                else:
                    wrapper.load_adapter(adapter.path, adapter_name=adapter.name)
            if wrapper is not None:
                wrapper.eval()
                if kind == LORA:
                    self._lora_model = self._model = wrapper
                else:
                    self._prompt_model = wrapper

    def _load_shifts(self) -> dict:
        from xtransfer_bench.shift import RepresentationShift

        return {a.name: RepresentationShift(self._model, *a.shift_layers) for a in self.adapter_set if a.shift_layers}

    def kind_of(self, name: str) -> str:
        adapter = self.adapter(name)
        return adapter.kind if adapter else BASE

    # Generation -----------------------------------------------------------------

    def generate_until(self, requests, disable_tqdm: bool = False) -> list[str]:
        return self.fan_out(requests, lambda pending: self._generate(pending, disable_tqdm))

    def _generate(self, pending, disable_tqdm: bool = False) -> list[str]:
        """Texts for (context, gen_kwargs, adapter) items, through lm-eval's own batching."""
        rows = [_Request((_AdapterContext(p.context, p.adapter), p.gen_kwargs)) for p in pending]
        # Mixed batches share one pass over the base weights between LoRA
        # adapters; per-adapter batches take PEFT's single-adapter path.
        mixable = {BASE} | {a.name for a in self.adapter_set if a.kind == LORA} if self.mix_adapters else set()
        mixable -= set(self._shifts)
        groups = [mixable] + [{name} for name in self.names if name not in mixable]
        texts: dict[int, str] = {}
        for group in groups:
            batch = [(i, r) for i, r in enumerate(rows) if r.args[0].adapter in group]
            if batch:
                outputs = HFLM.generate_until(self, [r for _, r in batch], disable_tqdm=disable_tqdm)
                texts.update({i: text for (i, _), text in zip(batch, outputs, strict=True)})
        return [texts[i] for i in range(len(rows))]

    def tok_batch_encode(self, strings, *args, **kwargs):
        self._row_adapters = [getattr(s, "adapter", self.active) for s in strings]
        ids, mask = super().tok_batch_encode(strings, *args, **kwargs)
        shifted = any(name in self._shifts for name in self._row_adapters)
        self._shift_masks = self._span_masks(strings, ids, mask) if shifted else None
        return ids, mask

    def _span_masks(self, strings, ids: torch.Tensor, attention: torch.Tensor):
        """Demonstration and question token masks aligned with the left-padded
        (and possibly left-truncated) batch: each row's own tokenisation with
        character offsets, right-aligned onto the row."""
        from xtransfer_bench.shift import shift_masks

        demo = torch.zeros_like(ids, dtype=torch.bool)
        target = torch.zeros_like(ids, dtype=torch.bool)
        for row, text in enumerate(strings):
            encoded = self.tokenizer(str(text), return_offsets_mapping=True, add_special_tokens=False)
            masks = shift_masks(str(text), encoded["offset_mapping"])
            if masks is None:
                continue  # no demonstrations: nothing to shift towards
            count = min(len(encoded["input_ids"]), int(attention[row].sum()))
            if encoded["input_ids"][len(encoded["input_ids"]) - count:] != ids[row, ids.shape[1] - count:].tolist():
                raise RuntimeError("The representation shift could not align its token spans with lm-eval's tokenisation.")
            demo[row, ids.shape[1] - count:] = torch.tensor(masks[0][len(masks[0]) - count:])
            target[row, ids.shape[1] - count:] = torch.tensor(masks[1][len(masks[1]) - count:])
        return demo, target

    def _model_generate(self, context, max_length, stop, **generation_kwargs):
        if not self.adapter_set:
            return super()._model_generate(context, max_length, stop, **generation_kwargs)
        rows = self._row_adapters or [self.active] * context.shape[0]
        if len(set(rows)) > 1:
            generation_kwargs["adapter_names"] = [PEFT_BASE if name == BASE else name for name in rows]
            return super()._model_generate(context, max_length, stop, **generation_kwargs)
        # A batch of one adapter takes PEFT's ordinary path: its mixed-batch
        # forward re-indexes the batch per adapter in every LoRA layer.
        try:
            with self._only(rows[0]):
                return super()._model_generate(context, max_length, stop, **generation_kwargs)
        finally:
            self._shift_masks = None

    @contextlib.contextmanager
    def _only(self, name: str):
        """Serve `name` alone: the base (LoRA off), one LoRA, or one soft prompt
        (LoRA off, the prompt-tuning wrapper in place of the model), with its
        representation shift if it was trained with one."""
        shift = self._shifts.get(name)
        if shift is None or self._shift_masks is None:
            with self._served(name):
                yield
            return
        with self._served(name), shift.attached(), shift.spans(*self._shift_masks):
            yield

    @contextlib.contextmanager
    def _served(self, name: str):
        kind = self.kind_of(name)
        lora_off = self._lora_model.disable_adapter() if self._lora_model is not None and kind != LORA else contextlib.nullcontext()
        with lora_off:
            if kind == LORA:
                self._lora_model.set_adapter(name)
                yield
            elif kind == PROMPT_TUNING:
                self._prompt_model.set_adapter(name)
                served, self._model = self._model, self._prompt_model
                causal_lm = self._prompt_model.get_base_model()
                transformer = getattr(causal_lm, causal_lm.base_model_prefix, causal_lm)
                handle = transformer.register_forward_pre_hook(_positions_from_mask, with_kwargs=True)
                try:
                    yield
                finally:
                    handle.remove()
                    self._model = served
            else:
                yield

    # Log-likelihood requests run with the active adapter alone -----------------

    def _model_call(self, inps, attn_mask=None, labels=None):
        if not self.adapter_set:
            return super()._model_call(inps, attn_mask, labels)
        if self.kind_of(self.active) == PROMPT_TUNING:
            raise NotImplementedError(
                "xtransfer-hf scores log-likelihoods with LoRA adapters and the base model; "
                "for a soft prompt use lm_eval --model hf --model_args peft=<adapter>."
            )
        with self._served(self.active):  # no shift: log-likelihood prompts are not in-context prompts
            return super()._model_call(inps, attn_mask, labels)
