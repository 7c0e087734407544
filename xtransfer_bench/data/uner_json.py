"""Reading UNER entities out of Aya-style JSON text, tolerantly: a model's
answer or a gold target (`"Results": [{"TypeName": "LOC", "Text": ...}]`).

The loader reads hub targets with it and the strict metric (metrics/uner_f1)
reads answers with it: one reader for both. The published protocol's
stricter reader is metrics/uner_f1_paper.
"""

from __future__ import annotations

import ast
import json
import re

Entity = tuple[str, str]

_TRAILING_COMMA = re.compile(r",\s*([}\]])")
# Key/value pairs in an object that neither json nor Python literal syntax
# accepts (e.g. unescaped quotes inside a value): "Key": "value" or 'Key': 'value'.
_PAIR = re.compile(r"""["']([A-Za-z]+)["']\s*:\s*(?:"([^"]*)"|'([^']*)'|(-?\d+))""")
_TYPE_KEYS = ("typename", "type")
_TEXT_KEYS = ("text",)


def normalize(entity_type: str, text: str) -> Entity:
    return entity_type.strip().upper(), " ".join(text.split())


def _objects(text: str) -> list[str]:
    """The flat `{...}` chunks of `text`, in order. Braces inside quoted
    strings do not count; an object cut off by the end of the text (a
    truncated generation) is dropped."""
    chunks, start, quote, escaped = [], None, None, False
    for i, char in enumerate(text):
        if start is None:
            if char == "{":
                start = i
            continue
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'" and text[i - 1] in "{,: \t\n":
            # A quote opens a string only where JSON would start one, so an
            # apostrophe inside an unquoted word cannot swallow the rest.
            quote = char
        elif char == "{":
            start = i  # an unclosed object before this one was garbage
        elif char == "}":
            chunks.append(text[start : i + 1])
            start = None
    return chunks


def _as_dict(chunk: str) -> dict:
    """One object chunk as a dict, trying strict JSON, JSON without trailing
    commas, Python literal syntax (single quotes), then key/value pairs."""
    for candidate in (chunk, _TRAILING_COMMA.sub(r"\1", chunk)):
        for reader in (json.loads, ast.literal_eval):
            try:
                value = reader(candidate)
            except Exception:  # noqa: BLE001 - any unreadable chunk just falls through
                continue
            if isinstance(value, dict):
                return value
    return {key: double or single or number for key, double, single, number in _PAIR.findall(chunk)}


def _entity(obj: dict) -> Entity | None:
    fields = {str(key).strip().lower(): value for key, value in obj.items()}
    entity_type = next((fields[k] for k in _TYPE_KEYS if k in fields), None)
    text = next((fields[k] for k in _TEXT_KEYS if k in fields), None)
    if not isinstance(entity_type, str) or text is None or isinstance(text, (dict, list)):
        return None
    entity = normalize(entity_type, str(text))
    return entity if all(entity) else None


def parse_entities(output: str | None) -> list[Entity]:
    """(type, text) entities in a generated answer, in order; never raises.

    Accepts the Aya format with or without the outer `"Results":` key,
    single quotes, trailing commas, prose before or after, objects without
    Start/End, and output cut off mid-object (the complete objects before the
    cut are kept). Anything else gives [].
    """
    if not isinstance(output, str):
        return []
    entities = []
    for chunk in _objects(output):
        entity = _entity(_as_dict(chunk))
        if entity is not None:
            entities.append(entity)
    return entities
