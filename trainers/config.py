"""Training configuration: one dataclass, YAML files for the papers' setups,
`key=value` overrides from the command line."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CONFIG_DIR = Path(__file__).parent / "configs"
class ConfigError(ValueError):
    """A training configuration that cannot run; the message names the fix."""


LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class TrainConfig:
    # What to train
    mode: str = "sft"  # sft | midalign (task + alignment, alternating) | align (alignment only)
    model: str = "meta-llama/Meta-Llama-3-8B-Instruct"
    output_dir: str = "adapters/run"
    task: str = "massive"  # massive | uner | wmt (ALMA X<->English)
    train_langs: list[str] = field(default_factory=lambda: ["ar", "en", "es", "ru", "zh"])
    # Alignment data (paper section 4.2 and table 1)
    align_source: str = "tatoeba"  # tatoeba | flores | task (MT: its own training pairs)
    align_langs: list[str] = field(default_factory=lambda: ["cy", "jv", "ja", "sw", "tl"])
    align_pivot: str = "en"
    align_layer: str | int = "middle"  # middle | bottom | top | 1..num_layers (hidden_states index)
    temperature: float = 0.1  # paper: 0.1 Llama 3, 1.5 Qwen 2.5
    contrastive_batch: int = 32  # pairs per contrastive mini-batch
    align_dev_pairs: int = 32  # per language, held out for the alignment dev loss
    # LoRA (paper D.1)
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.1
    lora_targets: list[str] = field(default_factory=lambda: list(LORA_TARGETS))
    # Optimisation (paper D.1)
    learning_rate: float = 5e-4
    lr_scheduler: str = "inverse_sqrt"
    warmup_ratio: float = 0.03
    effective_batch: int = 128  # per objective and optimizer step
    micro_batch: int = 8  # task examples per forward pass
    max_epochs: int = 5
    max_steps: int = -1  # > 0 overrides max_epochs
    eval_steps: int = 200
    patience: int = 5  # evaluations without dev-loss improvement before stopping
    max_length: int = 512
    seed: int = 42
    bf16: bool = False
    limit_train_examples: int | None = None  # per language; for smoke runs and tests
    limit_dev_examples: int | None = 200  # per language
    save_total_limit: int = 2

    def __post_init__(self) -> None:
        if self.mode not in ("sft", "midalign", "align"):
            raise ConfigError(f"mode {self.mode!r}: use sft, midalign (task + alignment) or align (alignment only).")
        if self.effective_batch % self.micro_batch:
            raise ConfigError(f"effective_batch {self.effective_batch} is not a multiple of micro_batch {self.micro_batch}.")
        if self.effective_batch % self.contrastive_batch:
            raise ConfigError(f"effective_batch {self.effective_batch} is not a multiple of contrastive_batch {self.contrastive_batch}.")

    @property
    def uses_task(self) -> bool:
        return self.mode in ("sft", "midalign")

    @property
    def uses_alignment(self) -> bool:
        return self.mode in ("midalign", "align")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = (), **fixed) -> TrainConfig:
    """A config from a YAML file (a path, or a name in trainers/configs), then
    `key=value` overrides (values parsed as YAML: 5e-4, [en, de], true)."""
    values: dict = {}
    if path is not None:
        file = Path(path)
        if not file.is_file():
            file = CONFIG_DIR / f"{path}.yaml"
        if not file.is_file():
            known = ", ".join(sorted(p.stem for p in CONFIG_DIR.glob("*.yaml")))
            raise ConfigError(f"No config {path!r}: give a YAML file or one of: {known}.")
        values.update(yaml.safe_load(file.read_text(encoding="utf-8")) or {})
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ConfigError(f"Override {item!r} is not key=value.")
        values[key.strip()] = yaml.safe_load(raw)
    values.update(fixed)
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(f"Unknown config keys {unknown}; known keys: {', '.join(sorted(names))}.")
    return TrainConfig(**values)
