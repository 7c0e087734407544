"""Tiny random models for offline tests: a Llama with a byte-level BPE
tokenizer and a ChatML template, built in seconds, and LoRA adapters for it."""

from __future__ import annotations

from pathlib import Path

CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def build_tokenizer(texts: list[str]):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600, special_tokens=SPECIAL, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token="<|im_end|>", pad_token="<|endoftext|>", bos_token=None
    )
    fast.chat_template = CHATML
    return fast


def build_tiny_llama(folder: Path, texts: list[str], seed: int = 0, tie_word_embeddings: bool = True) -> Path:
    """A 2-layer Llama (hidden 64, head_dim 32) with random weights. Tied
    embeddings make it mostly repeat its input; untied, its outputs follow
    the whole context (what soft prompts need to show an effect)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = build_tokenizer(texts)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=32,
        max_position_embeddings=2048,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
        tie_word_embeddings=tie_word_embeddings,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    if not tie_word_embeddings:
        with torch.no_grad():  # spread the logits: no near-ties for greedy decoding
            model.lm_head.weight.mul_(10.0)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_lora(model_dir: Path, folder: Path, seed: int = 1) -> Path:
    """A LoRA adapter whose B matrices are non-zero, so it changes outputs."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    base = AutoModelForCausalLM.from_pretrained(model_dir)
    config = LoraConfig(
        r=8, lora_alpha=16, lora_dropout=0.1, init_lora_weights=False,
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    )
    peft_model = get_peft_model(base, config)
    with torch.no_grad():
        for name, parameter in peft_model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0.0, 0.5)
    peft_model.save_pretrained(folder)
    return folder


def build_soft_prompt(model_dir: Path, folder: Path, num_virtual_tokens: int = 4, seed: int = 3, std: float = 20.0) -> Path:
    """A PEFT prompt-tuning adapter with large random virtual tokens, so that
    it changes the tiny model's greedy outputs (std 20 overrides the input
    entirely; std 1 leaves the outputs depending on it)."""
    import torch
    from peft import PromptTuningConfig, TaskType, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    base = AutoModelForCausalLM.from_pretrained(model_dir)
    peft_model = get_peft_model(base, PromptTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=num_virtual_tokens))
    with torch.no_grad():
        for parameter in peft_model.prompt_encoder.parameters():
            parameter.normal_(0.0, std)
    peft_model.save_pretrained(folder)
    return folder
