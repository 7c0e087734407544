"""COMET-22 (Unbabel/wmt22-comet-da) scores for machine translation.

The score is the one papers report as COMET-22: the segment scores of the
wmt22-comet-da model, and their mean as the system score, both times 100.

unbabel-comet is an optional extra (comet-requirements.txt, installed by
`xtransfer-bench install-comet`): its release pins
transformers<5, numpy<2 and huggingface-hub<1, so it is installed with
--no-deps next to this package's newer stack, and the one piece of it that
breaks under transformers 5 is patched when this module loads it
(`_patch_comet`). Without comet, or without the model (offline), scoring
returns a result with `skipped` set to the reason instead of raising, so an
evaluation run still finishes with its other metrics.

COMET-22 takes a single reference per segment: callers with several
references pass the first one.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_COMET_MODEL = "Unbabel/wmt22-comet-da"

INSTALL_HINT = "xtransfer-bench install-comet (pip install --no-deps of the pinned COMET packages)"
REQUIREMENTS = Path(__file__).with_name("comet-requirements.txt")


@dataclass
class CometResult:
    """System score (mean of the segment scores) and segment scores, 0-100.

    `skipped` is None when scored, else a one-line reason (and system is NaN).
    """

    system: float
    segments: list[float] = field(default_factory=list)
    model: str = DEFAULT_COMET_MODEL
    skipped: str | None = None


# Loaded models by the `model` argument, so scoring several tasks loads once;
# a model that could not be loaded keeps its reason, so it is not retried.
_MODELS: dict[str, Any] = {}
_FAILED: dict[str, str] = {}


def _xlmr_forward(self, input_ids, attention_mask, **kwargs):
    """comet.encoders.xlmr.XLMREncoder.forward, reading the model output by name.

    comet 2.2.7 calls the XLM-R model with return_dict=False and unpacks
    `last_hidden_states, _, all_layers`: under transformers 4 that tuple was
    (last_hidden_state, pooler_output=None, hidden_states). Transformers 5 builds
    the tuple from the output object, which leaves out None fields, so with no
    pooling layer it has two items and the unpack raises ValueError. The
    output object's named fields are the same in both versions.
    """
    output = self.model(
        input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True, return_dict=True
    )
    return {
        "sentemb": output.last_hidden_state[:, 0, :],
        "wordemb": output.last_hidden_state,
        "all_layers": output.hidden_states,
        "attention_mask": attention_mask,
    }


def _patch_comet() -> None:
    # The MiniLM, RemBERT and XLM-R XL encoders inherit this forward too.
    from comet.encoders.xlmr import XLMREncoder

    XLMREncoder.forward = _xlmr_forward


def import_comet():
    """(comet package patched for transformers 5, None), or (None, reason).

    Import comet through this, not directly: it also undoes the process-wide
    logging setup that importing comet does.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        with warnings.catch_warnings():
            # torchmetrics 0.10 imports pkg_resources, which warns it is deprecated.
            warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
            import comet
    except ImportError as error:
        if error.name == "comet":
            return None, f"unbabel-comet is not installed: {INSTALL_HINT}"
        # Installed, but one of the extra's pins is missing (e.g. pkg_resources
        # when setuptools is too new for torchmetrics 0.10).
        return None, f"unbabel-comet does not import ({error}): {INSTALL_HINT}"
    # comet/__init__ calls logging.basicConfig(level=INFO), which would turn on
    # INFO logging for the whole process: undo that, and keep comet's own INFO
    # lines ("Encoder model frozen.") out of the console.
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    logging.getLogger("comet").setLevel(logging.WARNING)
    _patch_comet()
    return comet, None


def _checkpoint_path(comet, model: str) -> tuple[Path | None, str | None]:
    """(checkpoint file, None), or (None, reason) when it cannot be had.

    `model` is a .ckpt file, a model folder holding checkpoints/model.ckpt (as
    comet downloads them), or a hub id that comet's download_model fetches.
    """
    path = Path(model).expanduser()
    if path.is_file():
        return path, None
    if path.is_dir():
        checkpoint = path / "checkpoints" / "model.ckpt"
        if checkpoint.is_file():
            return checkpoint, None
        return None, f"COMET model folder {model} has no checkpoints/model.ckpt"
    if model.endswith(".ckpt"):
        return None, f"COMET checkpoint {model} does not exist"
    try:
        # download_model turns any download failure into KeyError.
        return Path(comet.download_model(model)), None
    except KeyError:
        return None, (
            f"COMET model {model} not reachable (offline?): pass a local checkpoint, "
            "e.g. score --comet-model PATH or lm_eval --metadata '{\"comet_model\": \"PATH\"}'"
        )


def _load(model: str):
    """(loaded model, None), or (None, reason)."""
    if model in _MODELS:
        return _MODELS[model], None
    if model in _FAILED:
        return None, _FAILED[model]
    comet, reason = import_comet()
    checkpoint = None
    if comet is not None:
        checkpoint, reason = _checkpoint_path(comet, model)
    if checkpoint is not None:
        try:
            _MODELS[model] = comet.load_from_checkpoint(str(checkpoint))
            return _MODELS[model], None
        except OSError as error:
            # Typically the encoder's tokenizer/config (xlm-roberta-large for
            # wmt22-comet-da), fetched from the hub on load, is not reachable.
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            reason = f"COMET model {model} could not be loaded (offline?): {message}"
    _FAILED[model] = reason
    return None, reason


def comet_score(
    sources: list[str],
    hypotheses: list[str],
    references: list[str],
    model: str = DEFAULT_COMET_MODEL,
    batch_size: int = 16,
    gpus: int | None = None,
) -> CometResult:
    """COMET scores of `hypotheses` (translations of `sources`) against `references`.

    One reference per segment (COMET-22 takes one: pass the first when there
    are several). `model` is a hub id, a .ckpt file or a downloaded model
    folder. `gpus` defaults to 1 when CUDA is available, else 0. Raises
    ValueError when the three lists differ in length; never raises because
    comet or the model is missing (see CometResult.skipped).
    """
    if not len(sources) == len(hypotheses) == len(references):
        raise ValueError(
            f"comet_score needs one source and one reference per hypothesis, got "
            f"{len(sources)} sources, {len(hypotheses)} hypotheses, {len(references)} references"
        )
    if not hypotheses:
        return CometResult(math.nan, [], model, "no segments to score")
    loaded, reason = _load(model)
    if loaded is None:  # the caller reports the reason (it is in the result)
        return CometResult(math.nan, [], model, reason)

    import torch

    if gpus is None:
        gpus = 1 if torch.cuda.is_available() else 0
    samples = [{"src": s, "mt": h, "ref": r} for s, h, r in zip(sources, hypotheses, references)]
    quiet = [logging.getLogger(name) for name in ("pytorch_lightning", "lightning.pytorch", "lightning_fabric")]
    levels = [log.level for log in quiet]
    for log in quiet:  # "GPU available: ...", "💡 Tip: ..." on every Trainer
        log.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*does not have many workers.*")
            # Lightning 2.6 still uses torch's LeafSpec, which torch 2.13 deprecates.
            warnings.filterwarnings("ignore", message=".*LeafSpec.* is deprecated", category=FutureWarning)
            # predict() runs the model in eval mode (no dropout) and without
            # MC dropout, so scores do not depend on random state; the seed in
            # a forked RNG is a guard that leaves the caller's RNG untouched.
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(0)
                output = loaded.predict(
                    samples, batch_size=batch_size, gpus=gpus, progress_bar=False, mc_dropout=0
                )
    finally:
        for log, level in zip(quiet, levels):
            log.setLevel(level)
    segments = [100.0 * float(score) for score in output.scores]
    return CometResult(100.0 * float(output.system_score), segments, model, None)
