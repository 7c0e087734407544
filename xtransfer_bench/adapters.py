"""Checks that an adapter argument names a loadable PEFT adapter, before a run starts."""

from __future__ import annotations

import json
from pathlib import Path

from xtransfer_bench.errors import XtransferError


# Written by the CL-ICP (S) trainer next to a soft prompt trained with the
# representation shift: {"layer_to": i, "layer_back": j} (decoder layers, from 1).
SHIFT_FILE = "xtransfer_shift.json"


class AdapterError(XtransferError, ValueError):
    pass


def read_shift(folder: str | Path) -> tuple[int, int] | None:
    """(L_to, L_back) of an adapter trained with the representation shift, else None."""
    file = Path(folder) / SHIFT_FILE
    if not file.is_file():
        return None
    try:
        layers = json.loads(file.read_text(encoding="utf-8"))
        to, back = int(layers["layer_to"]), int(layers["layer_back"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise AdapterError(f"{file} is not a shift record {{\"layer_to\": i, \"layer_back\": j}} ({error}).") from None
    return to, back


def check_adapter(adapter: str) -> None:
    """Raise AdapterError with the fix if `adapter` is a local path that is not
    a PEFT adapter folder. Anything that is not a local path is left to the hub."""
    path = Path(adapter).expanduser()
    looks_local = path.exists() or adapter.startswith((".", "/", "~")) or adapter.count("/") > 1
    if not looks_local:
        return  # "user/repo": a hub id, resolved by PEFT
    if not path.is_dir():
        raise AdapterError(f"Adapter {adapter!r} does not exist. Pass a folder written by PeftModel.save_pretrained, or a hub id.")
    config = path / "adapter_config.json"
    if not config.is_file():
        hint = " It looks like a full model: pass it as pretrained=... instead." if (path / "config.json").is_file() else ""
        raise AdapterError(
            f"Adapter folder {adapter!r} has no adapter_config.json, so it is not a PEFT adapter.{hint} "
            "Pass the folder written by PeftModel.save_pretrained (adapter_config.json plus adapter_model.safetensors)."
        )
    try:
        json.loads(config.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise AdapterError(f"{config} is not valid JSON ({error}); the adapter is corrupt. Re-save or re-download it.") from None
    if not any((path / name).is_file() for name in ("adapter_model.safetensors", "adapter_model.bin")):
        raise AdapterError(f"Adapter folder {adapter!r} has adapter_config.json but no adapter_model.safetensors or adapter_model.bin weights.")
    weights = path / "adapter_model.safetensors"
    if weights.is_file():
        from safetensors import SafetensorError, safe_open

        try:
            with safe_open(str(weights), framework="pt") as tensors:
                if not list(tensors.keys()):
                    raise AdapterError(f"{weights} holds no tensors; the adapter is empty or corrupt.")
        except SafetensorError as error:
            raise AdapterError(f"{weights} is not a readable safetensors file ({error}); the adapter is corrupt. Re-save or re-download it.") from None
