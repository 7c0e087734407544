"""What both multi-adapter engines share: every request is answered by every
served model (the base and each adapter) in one generation pass, the answers
are kept, and lm-eval is handed those of the `active` one.

`xtransfer-bench eval` then runs lm-eval's own `run` once per adapter with
`active=<name>`; `create_from_arg_obj` returns the same live engine each time
(keyed by all other arguments), so later runs find every answer already made
and each adapter still gets lm-eval's ordinary results file.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from xtransfer_bench.backends.adapter_set import BASE, Adapter

# Live engines by their arguments (all but `active` and `adapter_sha`).
_LIVE: dict[tuple[str, str], Any] = {}


class Pending:
    """One (request, served model) pair waiting for its generation."""

    def __init__(self, context: str, gen_kwargs: dict, adapter: str):
        self.context, self.gen_kwargs, self.adapter = context, gen_kwargs, adapter


class AdapterFanOut:
    adapter_set: list[Adapter]
    names: list[str]

    @classmethod
    def create_from_arg_obj(cls, arg_dict: dict[str, Any], additional_config: dict[str, Any] | None = None):
        args = dict(arg_dict)
        active = args.pop("active", BASE)
        args.pop("adapter_sha", None)  # recorded in the results' model_args only
        extra = {k: v for k, v in (additional_config or {}).items() if v is not None}
        key = (cls.__name__, json.dumps([args, extra], sort_keys=True, default=str))
        if key not in _LIVE:
            _LIVE[key] = cls(**args, **extra)
        model = _LIVE[key]
        model.active = str(active)
        return model

    @classmethod
    def create_from_arg_string(cls, arg_string: str, additional_config: dict[str, Any] | None = None):
        from lm_eval.utils import simple_parse_args_string

        return cls.create_from_arg_obj(simple_parse_args_string(arg_string), additional_config)

    def _init_fan_out(self, include_base, active: str) -> None:
        self.include_base = include_base in (True, "True", "true", "1", 1)
        self.names = ([BASE] if self.include_base or not self.adapter_set else []) + [a.name for a in self.adapter_set]
        # Without the base model, the first adapter answers until told otherwise.
        self.active = self.names[0] if active == BASE and BASE not in self.names else active
        self._outputs: dict[tuple[str, str, str], str] = {}

    @property
    def active(self) -> str:
        return self._active

    @active.setter
    def active(self, name: str) -> None:
        if name not in self.names:
            raise ValueError(f"Unknown adapter {name!r}; this model serves {', '.join(self.names)}.")
        self._active = name

    def adapter(self, name: str) -> Adapter | None:
        return next((a for a in self.adapter_set if a.name == name), None)

    def fan_out(self, requests, generate: Callable[[list[Pending]], list[str]]) -> list[str]:
        """Generate, in one call of `generate`, every served model's answer that
        is not known yet; return the active model's answers to `requests`."""

        def key(name: str, context: str, gen_kwargs: dict):
            return name, context, json.dumps(gen_kwargs, sort_keys=True, default=str)

        missing = [
            Pending(request.args[0], request.args[1], name)
            for request in requests
            for name in self.names
            if key(name, *request.args) not in self._outputs
        ]
        if missing:
            texts = generate(missing)
            for pending, text in zip(missing, texts, strict=True):
                self._outputs[key(pending.adapter, pending.context, pending.gen_kwargs)] = text
        return [self._outputs[key(self.active, *request.args)] for request in requests]
