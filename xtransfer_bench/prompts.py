"""Every prompt of the benchmark, as chat messages.

Tasks (through lm-eval's `description` = system turn and `doc_to_text` = user
turn) and trainers (through `render`) both take their prompts from here, so a
model is evaluated on byte-identical prompts to the ones it was trained on.
Texts are verbatim from the middle-layer paper, appendix D.2 (including its
wording slips), so that published numbers stay comparable.
"""

from __future__ import annotations

import json
from typing import Any

from xtransfer_bench.errors import TaskOptionError

Message = dict[str, str]

# Short system prompt used with fine-tuned models (paper D.2, "shortened from
# He and Garner (2023)").
SLOT_FILLING_SYSTEM = (
    "Given a command from the user, a voice assistant will extract entities essential for "
    "carry out the command. Your task is to extract the entities as words from the command "
    "if they fall under a predefined list of entity types."
)

# The slot-type list exactly as printed in the paper. It fuses MASSIVE's
# `person` and `email_folder` into "person_email_folder" and its examples use
# types outside MASSIVE (contact_field, transport_app, time_of_day); the
# metric counts such predictions as false positives.
_ZERO_SHOT_SLOT_TYPES = (
    "transport_descriptor house_place music_album sport_type playlist_name movie_name song_name "
    "place_name radio_name cooking_type weather_descriptor person_email_folder business_type "
    "audiobook_author transport_type general_frequency meal_type game_name device_type "
    "transport_name time_zone joke_type drink_type email_address food_type date relation "
    "currency_name ingredient player_setting movie_type definition_word game_type list_name "
    "artist_name personal_info audiobook_name timeofday transport_agency media_type podcast_name "
    "coffee_type business_name news_topic app_name podcast_descriptor color_type music_genre "
    "event_name time change_amount alarm_type order_type music_descriptor"
)

# Long system prompt for zero-shot slot filling (paper D.2).
SLOT_FILLING_ZERO_SHOT_SYSTEM = (
    "Given a command from the user, a voice assistant like Siri or Olly will extract entities "
    "from the command that are essential for carry out the the command. For example, for a "
    "command about playing a specific song, the name of the song mentioned by the user would "
    'be an entity, falling under the type of "song name".\n\n'
    "Your task is to extract the entities as words from the command if they fall under any of "
    "the types given below according to the following description:\n\n"
    f"{_ZERO_SHOT_SLOT_TYPES}\n\n"
    "Please give answers like:\n\n"
    "1. person: john; contact_field: phone number\n"
    "2. transport_app: uber; time_of_day: tonight; time: ten pm\n"
    "3. None\n"
    "4. music_genre: jazz\n\n"
    "etc., each taking a single line. The entity type must be one of the types given above, "
    "and the entity must be copied verbatim from the command. There could be zero, one, or "
    "multiple entities in a command."
)

# Answer format: "slot: value; slot: value", or "None" without slots.
SLOT_SEPARATOR = "; "
SLOT_VALUE_SEPARATOR = ": "
NO_SLOTS = "None"

SLOT_FILLING_STYLES = {"finetuned": SLOT_FILLING_SYSTEM, "zeroshot": SLOT_FILLING_ZERO_SHOT_SYSTEM}


def slot_filling_target(slots: list[tuple[str, str]]) -> str:
    """The answer string for (slot type, value) pairs in utterance order."""
    if not slots:
        return NO_SLOTS
    return SLOT_SEPARATOR.join(f"{slot}{SLOT_VALUE_SEPARATOR}{value}" for slot, value in slots)


def slot_filling_messages(utterance: str, style: str = "finetuned", answer: str | None = None) -> list[Message]:
    """System + user turn (+ the assistant answer, for training)."""
    try:
        system = SLOT_FILLING_STYLES[style]
    except KeyError:
        raise TaskOptionError(f"Unknown slot-filling prompt style {style!r}; use one of {sorted(SLOT_FILLING_STYLES)}") from None
    messages = [{"role": "system", "content": system}, {"role": "user", "content": utterance}]
    if answer is not None:
        messages.append({"role": "assistant", "content": answer})
    return messages


def translation_system_prompt(src_name: str, tgt_name: str) -> str:
    """Paper D.2: "Translate the following sentences from English to German." """
    return f"Translate the following sentences from {src_name} to {tgt_name}."


def translation_messages(source: str, src_name: str, tgt_name: str, answer: str | None = None) -> list[Message]:
    """System + user turn (+ the reference, for training). Names are English
    language names from languages.py, e.g. "German"."""
    messages = [
        {"role": "system", "content": translation_system_prompt(src_name, tgt_name)},
        {"role": "user", "content": source},
    ]
    if answer is not None:
        messages.append({"role": "assistant", "content": answer})
    return messages


def render(tokenizer: Any, messages: list[Message], add_generation_prompt: bool = True) -> str:
    """Render messages with the model's own chat template, as lm-eval does with
    `--apply_chat_template` (system turn first, then the user turn)."""
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)


# ---------------------------------------------------------------------------
# UNER named entities as JSON (paper D.2, "JSON Generation")
# ---------------------------------------------------------------------------
# One user turn, no system turn: the instruction, a one-shot example and the
# sentence, as in the Aya collection's `templated_uner_llm` prompts. The
# paper's text extraction lost the JSON braces; they are restored here as Aya
# writes them: "Results": [{"TypeName": "LOC", "Text": "Iguazu", "Start": 22, "End": 28}].
# Start/End are character offsets into the sentence (end exclusive).

UNER_INSTRUCTION = (
    "Please identify all the named entities mentioned in the input sentence provided below. "
    "Use only the categories: PER - person, ORG - organization, and LOC - location. Remember, "
    "nationalities are neither locations nor organizations, and organizations can represent "
    "other groups of people. Pay attention to the provided example. You should only output the "
    "results in JSON format, following a similar structure to the example result provided."
)
UNER_EXAMPLE_SENTENCE = "Where in the world is Iguazu?"
UNER_EXAMPLE_ENTITIES = [("LOC", "Iguazu", 22, 28)]
UNER_QUESTION = "Considering the input sentence below, what is the output result?"
UNER_TYPES = ("PER", "ORG", "LOC")


def uner_target(entities: list[tuple[str, str, int, int]]) -> str:
    """The answer string for (type, text, start, end) entities in sentence order:
    `"Results": [{"TypeName": ..., "Text": ..., "Start": ..., "End": ...}, ...]`,
    on one line (json escapes quotes and newlines inside texts)."""
    results = [{"TypeName": t, "Text": text, "Start": start, "End": end} for t, text, start, end in entities]
    return '"Results": ' + json.dumps(results, ensure_ascii=False)


def uner_prompt(sentence: str) -> str:
    """The user turn for one sentence (paper D.2, single spaces between parts as printed)."""
    example = f"{UNER_EXAMPLE_SENTENCE} {uner_target(UNER_EXAMPLE_ENTITIES)}"
    return f"{UNER_INSTRUCTION} Example sentence and results: {example} {UNER_QUESTION} {sentence}"


def uner_messages(sentence: str, answer: str | None = None) -> list[Message]:
    """User turn (+ the assistant answer, for training)."""
    messages = [{"role": "user", "content": uner_prompt(sentence)}]
    if answer is not None:
        messages.append({"role": "assistant", "content": answer})
    return messages


# ---------------------------------------------------------------------------
# XQuAD, XCOPA, XNLI (CL-ICP paper, section 6), with CL-ICP demonstrations
# ---------------------------------------------------------------------------
# The paper prints no prompt texts; these are ours, in English for every
# language (English is the dominant language the task is learnt in). Each
# question ends with "Answer:", and CL-ICP demonstrations (solved examples, see
# xtransfer_bench/demonstrations.py) come first in the same user turn, as
# "<question> <answer>" blocks separated by blank lines, the way lm-eval lays
# out few-shot examples. One user turn rather than earlier user/assistant
# turns, because: the paper's input is one sequence {p, x_d, y_d, x_t}; lm-eval
# builds the user turn from doc_to_text alone, so this reaches every lm-eval
# model with or without --apply_chat_template (earlier turns would need its
# own --num_fewshot sampler, which cannot draw per-item seeded demonstrations
# from language pools); and the conversation keeps one shape, system, user,
# assistant, with or without demonstrations. CL-ICP's demonstration loss
# p(y_dk | x_d1, y_d1, ..., x_dk) is the same call with demonstrations
# 1..k-1 and demonstration k as the question.
#
# Documents are the rows of xtransfer_bench.data.{xquad,xcopa,xnli}; each has
# a `target`, the answer string a model is trained to produce.

QA_SYSTEM = "Answer the question about the context with a short span copied from the context."
COPA_SYSTEM = (
    "Pick the alternative that is more plausibly the cause or the effect of the premise, as the "
    "question asks. Answer with its number only: 1 or 2."
)
NLI_SYSTEM = (
    "Decide whether the premise entails the hypothesis, contradicts it, or neither. "
    "Answer with one word: entailment, neutral or contradiction."
)
NLI_LABELS = ("entailment", "neutral", "contradiction")  # XNLI label ids 0, 1, 2
COPA_QUESTIONS = {"cause": "What was the cause?", "effect": "What happened as a result?"}
ANSWER_CUE = "Answer:"


def copa_target(label: int) -> str:
    """XCOPA label 0/1 -> the answer "1"/"2" (choices are numbered from 1)."""
    return str(int(label) + 1)


def nli_target(label: int) -> str:
    return NLI_LABELS[int(label)]


def xquad_text(doc: dict[str, Any]) -> str:
    return f"Context: {doc['context']}\nQuestion: {doc['question']}\n{ANSWER_CUE}"


def xcopa_text(doc: dict[str, Any]) -> str:
    return (
        f"Premise: {doc['premise']}\nQuestion: {COPA_QUESTIONS[doc['question']]}\n"
        f"1. {doc['choice1']}\n2. {doc['choice2']}\n{ANSWER_CUE}"
    )


def xnli_text(doc: dict[str, Any]) -> str:
    return f"Premise: {doc['premise']}\nHypothesis: {doc['hypothesis']}\n{ANSWER_CUE}"


def _with_demonstrations(system: str, text_of, doc, demonstrations, answer) -> list[Message]:
    solved = [f"{text_of(demo)} {demo['target']}" for demo in demonstrations]
    messages = [
        {"role": "system", "content": system},
        {"role": "user", "content": "\n\n".join([*solved, text_of(doc)])},
    ]
    if answer is not None:
        messages.append({"role": "assistant", "content": answer})
    return messages


def xquad_messages(doc: dict[str, Any], demonstrations=(), answer: str | None = None) -> list[Message]:
    """System + user turn (demonstrations first) (+ the answer, for training)."""
    return _with_demonstrations(QA_SYSTEM, xquad_text, doc, demonstrations, answer)


def xcopa_messages(doc: dict[str, Any], demonstrations=(), answer: str | None = None) -> list[Message]:
    return _with_demonstrations(COPA_SYSTEM, xcopa_text, doc, demonstrations, answer)


def xnli_messages(doc: dict[str, Any], demonstrations=(), answer: str | None = None) -> list[Message]:
    return _with_demonstrations(NLI_SYSTEM, xnli_text, doc, demonstrations, answer)


DEMONSTRATION_MESSAGES = {"xquad": xquad_messages, "xcopa": xcopa_messages, "xnli": xnli_messages}


# Where demonstrations and the question sit in a rendered prompt: CL-ICP's
# representation shift (trainers/shift.py) moves the question's tokens towards
# the demonstrations', in training and in xtransfer-hf at inference, and both
# find the spans in the text alone with this one parser. Every block starts a
# line with its first field label; a demonstration block's question part
# x_d runs to its answer cue, its answer y_d follows the cue.
BLOCK_LABELS = ("Context: ", "Premise: ")


def in_context_spans(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]], tuple[int, int]] | None:
    """Character spans in `text` (a rendered prompt, with or without an answer
    after it): (demonstration questions x_d, demonstration answers y_d, the
    question x_t), each question up to and including its "Answer:" cue. None
    when the text holds no question block."""
    starts = sorted(
        i for label in BLOCK_LABELS for i in _find_all(text, label) if i == 0 or text[i - 1] == "\n"
    )
    blocks = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(text)
        cue = text.find("\n" + ANSWER_CUE, start, end)
        if cue < 0:
            return None
        blocks.append((start, cue + 1 + len(ANSWER_CUE), end))
    if not blocks:
        return None
    demos = [(start, cue) for start, cue, _ in blocks[:-1]]
    answers = [(cue, len(text[:end].rstrip())) for _, cue, end in blocks[:-1]]
    start, cue, _ = blocks[-1]
    return demos, answers, (start, cue)


def _find_all(text: str, part: str):
    i = text.find(part)
    while i >= 0:
        yield i
        i = text.find(part, i + 1)
