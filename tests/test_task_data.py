"""Training examples: the prompt part is what lm-eval feeds the model for the
task (chat template, default special tokens), the loss covers the answer only."""

from transformers import AutoTokenizer

from xtransfer_bench import prompts
from xtransfer_bench.trainers.task_data import IGNORE, encode_example, massive_messages


def test_prompt_ids_equal_the_evaluation_context_and_only_the_answer_is_learned(tiny_model):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    doc = {"utt": "wake me up at five am", "target": "time: five am"}
    example = encode_example(tokenizer, massive_messages(doc), max_length=512)
    # What lm-eval's hf model encodes for the task with --apply_chat_template:
    # system = the task's description, user = the utterance, generation prompt.
    context = tokenizer.apply_chat_template(
        [{"role": "system", "content": prompts.SLOT_FILLING_SYSTEM}, {"role": "user", "content": doc["utt"]}],
        tokenize=False, add_generation_prompt=True,
    )
    context_ids = tokenizer(context)["input_ids"]
    assert example["input_ids"][: len(context_ids)] == context_ids
    answer = [t for t, label in zip(example["input_ids"], example["labels"]) if label != IGNORE]
    assert example["labels"][: len(context_ids)] == [IGNORE] * len(context_ids)
    assert answer == example["input_ids"][len(context_ids):]
    assert tokenizer.decode(answer) == "time: five am<|im_end|>\n"


def test_long_examples_keep_their_answer(tiny_model):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    example = encode_example(tokenizer, massive_messages({"utt": "play yellow " * 50, "target": "song_name: yellow"}), max_length=64)
    assert len(example["input_ids"]) == 64 and len(example["labels"]) == 64
    kept = [t for t, label in zip(example["input_ids"], example["labels"]) if label != IGNORE]
    assert tokenizer.decode(kept).startswith("song_name: yellow")
