"""Finding the decoder layers of a causal LM, for the hooks of the
representation shift (inference and training) and the alignment objective,
and naming a layer by its position (bottom / middle / top) as the
middle-layer paper does."""

from __future__ import annotations

import torch

from xtransfer_bench.errors import XtransferError

POSITIONS = {"bottom": 0.25, "middle": 0.5, "top": 1.0}  # paper table 3: layers 8, 16, 32 of 32


class LayerError(XtransferError, ValueError):
    """A layer that the model does not have."""


def decoder_layers(model) -> torch.nn.ModuleList:
    """The stack of decoder layers of a (PEFT-wrapped) causal LM."""
    config = getattr(model, "config", None)
    count = getattr(getattr(config, "get_text_config", lambda: config)(), "num_hidden_layers", None)
    for module in model.modules():
        if isinstance(module, torch.nn.ModuleList) and len(module) == count:
            return module
    raise ValueError(f"Cannot find the {count} decoder layers of {type(model).__name__}.")


def resolve_layer(layer: str | int, num_layers: int, option: str = "layer") -> int:
    """A hidden_states index 1..num_layers (0 would be the embeddings), from
    a position name or a number; `option` names the setting in errors."""
    if isinstance(layer, str) and layer in POSITIONS:
        return max(1, round(POSITIONS[layer] * num_layers))
    try:
        index = int(layer)
    except (TypeError, ValueError):
        raise LayerError(f"{option} {layer!r}: use bottom, middle, top, or a layer number 1..{num_layers}.") from None
    if not 1 <= index <= num_layers:
        raise LayerError(f"{option} {index} is out of range: this model has layers 1..{num_layers}.")
    return index
