"""Training configuration: one dataclass, YAML files for the papers' setups,
`key=value` overrides from the command line."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from xtransfer_bench.errors import XtransferError

CONFIG_DIR = Path(__file__).parent / "configs"
MODES = {
    "sft": "task fine-tuning on train_langs",
    "midalign": "task + middle-layer alignment, alternating steps",
    "align": "alignment only",
    "ft": "target-language fine-tuning (CL-ICP paper: FT)",
    "tl": "transfer learning: dominant language, then the target languages (TL)",
    "mtl": "multi-task learning on dominant and target languages together (MTL)",
    "clicp": "cross-lingual in-context prompt tuning (CL-ICP; shift=true: CL-ICP (S))",
}
TUNINGS = ("lora", "full", "prompt")
TRANSFER_MODES = ("ft", "tl", "mtl", "clicp")


class ConfigError(XtransferError, ValueError):
    """A training configuration that cannot run; the message names the fix."""


LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class TrainConfig:
    # What to train
    mode: str = "sft"  # one of MODES
    model: str = "meta-llama/Meta-Llama-3-8B-Instruct"
    output_dir: str = "adapters/run"
    task: str = "massive"  # massive | uner | wmt (ALMA X<->English) | xquad | xcopa | xnli
    train_langs: list[str] = field(default_factory=lambda: ["ar", "en", "es", "ru", "zh"])  # sft, midalign
    tuning: str | None = None  # lora | full (every weight) | prompt (PEFT prompt tuning); default: prompt for clicp, else lora
    # Cross-lingual transfer modes ft, tl, mtl, clicp (CL-ICP paper, section 6)
    dominant_lang: str = "en"
    target_langs: list[str] = field(default_factory=list)
    target_ratio: float = 1.0  # share of the target-language training data (paper: 0.1, 0.25, 0.5, 1)
    # CL-ICP (CL-ICP paper, section 5.2 and appendix B.2)
    num_virtual_tokens: int = 10  # soft prompt length (paper: 1 for XQuAD, 10 otherwise)
    prompt_init: str = "SAMPLE_VOCAB"  # PEFT PromptTuningInit: SAMPLE_VOCAB | RANDOM
    demonstrations: str = "mixed"  # en | target | mixed, as the tasks' in-context variants
    num_demonstrations: int = 3  # paper: 1 for XQuAD, 3 otherwise
    demo_loss: bool = True  # also predict the last demonstration's answer (appendix C)
    shift: bool = False  # CL-ICP (S): representation shift at shift_layers
    shift_layers: list = field(default_factory=lambda: ["bottom", "middle"])  # L_to, L_back
    # Alignment data (paper section 4.2 and table 1)
    align_source: str = "tatoeba"  # tatoeba | flores | task (MT: its own training pairs)
    align_langs: list[str] = field(default_factory=lambda: ["cy", "jv", "ja", "sw", "tl"])
    align_pivot: str = "en"
    align_layer: str | int = "middle"  # middle | bottom | top | 1..num_layers (hidden_states index)
    temperature: float = 0.1  # paper: 0.1 Llama 3, 1.5 Qwen 2.5
    # Leave each sentence's first token out of the mean. Off = the paper. Models
    # whose first token is an attention sink with outsized states (SmolLM2:
    # cosine 0.999 between any two pooled sentences) need it, or InfoNCE sits
    # at log(batch) with no gradient.
    align_skip_first_token: bool = False
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
    patience: int = 5  # evaluations without dev-loss improvement before stopping; 0: fixed epochs, keep the last
    max_length: int = 512
    seed: int = 42
    bf16: bool = False
    limit_train_examples: int | None = None  # per language; for smoke runs and tests
    limit_dev_examples: int | None = 200  # per language
    save_total_limit: int = 2

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"mode {self.mode!r}: use one of " + "; ".join(f"{m} ({what})" for m, what in MODES.items()) + ".")
        if self.tuning is None:
            self.tuning = "prompt" if self.mode == "clicp" else "lora"
        if self.tuning not in TUNINGS:
            raise ConfigError(f"tuning {self.tuning!r}: use one of {', '.join(TUNINGS)}.")
        if self.mode in TRANSFER_MODES and not self.target_langs:
            raise ConfigError(f"mode {self.mode} needs target_langs, e.g. target_langs=[tr].")
        if not 0 < self.target_ratio <= 1:
            raise ConfigError(f"target_ratio {self.target_ratio} must be in (0, 1], e.g. 0.1 for 10% of the target data.")
        if self.shift and self.mode != "clicp":
            raise ConfigError("shift=true is CL-ICP (S): it needs mode clicp (demonstrations to shift towards).")
        if self.shift and len(self.shift_layers) != 2:
            raise ConfigError(f"shift_layers needs two layers [L_to, L_back], not {self.shift_layers}.")
        if self.effective_batch % self.micro_batch:
            raise ConfigError(f"effective_batch {self.effective_batch} is not a multiple of micro_batch {self.micro_batch}.")
        if self.mode in ("midalign", "align") and self.effective_batch % self.contrastive_batch:
            raise ConfigError(f"effective_batch {self.effective_batch} is not a multiple of contrastive_batch {self.contrastive_batch}.")

    @property
    def uses_task(self) -> bool:
        return self.mode != "align"

    @property
    def uses_alignment(self) -> bool:
        return self.mode in ("midalign", "align")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _parse_value(raw: str):
    """YAML, plus numbers YAML 1.1 reads as strings ("5e-4" has no dot)."""
    value = yaml.safe_load(raw)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    return value


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = (), **fixed) -> TrainConfig:
    """A config from a YAML file (a path, or a name in trainers/configs), then
    `key=value` overrides (values parsed as YAML: 5e-4, [en, de], true).
    A file may hold per-mode settings under `methods: {<mode>: {...}}`; those
    of the mode being trained apply on top of the file's shared keys."""
    values: dict = {}
    if path is not None:
        file = Path(path)
        if not file.is_file():
            file = CONFIG_DIR / f"{path}.yaml"
        if not file.is_file():
            known = ", ".join(sorted(p.stem for p in CONFIG_DIR.glob("*.yaml")))
            raise ConfigError(f"No config {path!r}: give a YAML file or one of: {known}.")
        values.update(yaml.safe_load(file.read_text(encoding="utf-8")) or {})
    parsed = {}
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ConfigError(f"Override {item!r} is not key=value.")
        parsed[key.strip()] = _parse_value(raw)
    methods = values.pop("methods", None) or {}
    mode = fixed.get("mode", parsed.get("mode", values.get("mode")))
    if methods:
        if mode not in methods:
            raise ConfigError(f"Config {path} has settings for modes {', '.join(methods)}, not for {mode!r}.")
        values.update(methods[mode])
    values.update(parsed)
    values.update(fixed)
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(f"Unknown config keys {unknown}; known keys: {', '.join(sorted(names))}.")
    return TrainConfig(**values)
