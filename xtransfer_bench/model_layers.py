"""Finding the decoder layers of a causal LM, for the hooks of the
representation shift (inference and training) and the alignment objective."""

from __future__ import annotations

import torch


def decoder_layers(model) -> torch.nn.ModuleList:
    """The stack of decoder layers of a (PEFT-wrapped) causal LM."""
    config = getattr(model, "config", None)
    count = getattr(getattr(config, "get_text_config", lambda: config)(), "num_hidden_layers", None)
    for module in model.modules():
        if isinstance(module, torch.nn.ModuleList) and len(module) == count:
            return module
    raise ValueError(f"Cannot find the {count} decoder layers of {type(model).__name__}.")
