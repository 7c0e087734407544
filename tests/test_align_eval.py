"""The alignment diagnostic: retrieval accuracy on planted embeddings (hand
computed, with and without a hub), cosine deviation on planted token
states, pooled states against unpadded forwards, FLORES loading in every
layout and refusal of unaligned data, and the command on a tiny model and on
SmolLM2 with ten languages."""

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import shared_path

from xtransfer_bench.analysis import cosine_deviation, retrieval
from xtransfer_bench.analysis.align_eval import paper_summary
from xtransfer_bench.analysis.states import Encoder
from xtransfer_bench.data import DataNotFoundError, flores
from xtransfer_bench.data.parallel import ParallelDataError

BIN = Path(sys.executable).parent
TEN = ["en", "de", "fr", "es", "ru", "zh", "ja", "sw", "cy", "tr"]


def unit(*pairs, dim=8):
    vector = torch.zeros(dim)
    for index, value in pairs:
        vector[index] = value
    return vector


# Layer 0, a hub: queries q_i = e_i; targets t_0..t_2 have cosine 0.4, 0.7,
# 0.7 with their query; t_3 (the gold of q_3) leans on every query:
# cos(q_0..q_2, t_3) = 0.45, cos(q_3, t_3) = b = sqrt(1 - 3 * 0.45^2).
B = math.sqrt(1 - 3 * 0.45**2)
HUB_SOURCE = torch.eye(4, 8)
HUB_TARGET = torch.stack([
    unit((0, 0.4), (4, math.sqrt(1 - 0.16))),
    unit((1, 0.7), (5, math.sqrt(1 - 0.49))),
    unit((2, 0.7), (6, math.sqrt(1 - 0.49))),
    unit((0, 0.45), (1, 0.45), (2, 0.45), (3, B)),
])
# Layer 1, planted translations with two swapped: t_2 = e_3 and t_3 = e_2.
SWAP_TARGET = torch.stack([unit((0, 1.0)), unit((1, 1.0)), unit((3, 1.0)), unit((2, 1.0))])


def test_margin_beats_the_hub_exactly_where_cosine_falls_for_it():
    source, target = retrieval.normalise(HUB_SOURCE), retrieval.normalise(HUB_TARGET)
    cosine = retrieval.scores(source, target, "cosine")
    margin = retrieval.scores(source, target, "margin", k=2)
    # Cosine: q_0 prefers the hub (0.45 > 0.4); everything else is right.
    assert cosine.argmax(-1).tolist() == [3, 1, 2, 3]
    # Margin, k=2, by hand: q_0's 2 nearest targets average (0.45 + 0.4) / 2 = 0.425,
    # t_0's 2 nearest queries (0.4 + 0) / 2 = 0.2, the hub's (B + 0.45) / 2.
    assert margin[0, 0].item() == pytest.approx(0.4 / ((0.425 + 0.2) / 2), rel=1e-5)  # 1.28
    assert margin[0, 3].item() == pytest.approx(0.45 / ((0.425 + (B + 0.45) / 2) / 2), rel=1e-5)  # 0.934
    assert margin.argmax(-1).tolist() == [0, 1, 2, 3]
    changed = (cosine.argmax(-1) != margin.argmax(-1)).nonzero().flatten().tolist()
    assert changed == [0]  # the hub's victim, and nothing else


def test_pair_accuracies_over_layers_and_both_directions():
    states = {"xx": torch.stack([HUB_SOURCE, torch.eye(4, 8)]), "yy": torch.stack([HUB_TARGET, SWAP_TARGET])}
    cosine = retrieval.pair_accuracies(states, "cosine")
    margin = retrieval.pair_accuracies(states, "margin", k=2)
    assert set(cosine) == {("xx", "yy"), ("yy", "xx")}
    # Layer 0: x->y 3 of 4 by cosine, 4 of 4 by margin; y->x: every target's best query is its own.
    assert cosine[("xx", "yy")].tolist() == [75.0, 50.0]
    assert margin[("xx", "yy")].tolist() == [100.0, 50.0]
    assert cosine[("yy", "xx")].tolist() == [100.0, 50.0]
    assert margin[("yy", "xx")].tolist() == [100.0, 50.0]
    # float16 storage gives the same answers.
    half = {lang: value.half() for lang, value in states.items()}
    assert retrieval.pair_accuracies(half, "margin", k=2)[("xx", "yy")].tolist() == [100.0, 50.0]


def test_paper_summary_is_the_mean_over_even_layers_without_embeddings():
    assert paper_summary([99.0, 10.0, 20.0, 30.0, 40.0]) == 30.0  # layers 2 and 4
    assert paper_summary([99.0, 10.0, 20.0, 30.0]) == 20.0


def test_unaligned_states_are_refused():
    with pytest.raises(ValueError, match="sentence count"):
        retrieval.pair_accuracies({"a": torch.zeros(2, 5, 4), "b": torch.zeros(2, 6, 4)})
    with pytest.raises(ValueError, match="similarity"):
        retrieval.pair_accuracies({"a": torch.zeros(2, 5, 4), "b": torch.zeros(2, 5, 4)}, "dot")


# --- cosine deviation -------------------------------------------------------------


def test_top_mean_by_hand_with_padding_and_short_sentences():
    e = torch.eye(4)
    query = torch.stack([e[0], e[1]]).unsqueeze(0)  # 2 tokens
    diagonal = (e[0] + e[1]) / math.sqrt(2)
    keys = torch.stack([e[0], diagonal, e[2], e[1]]).unsqueeze(0)  # the 4th is padding
    key_mask = torch.tensor([[True, True, True, False]])
    query_mask = torch.tensor([[True, True]])
    r = 1 / math.sqrt(2)
    # top 2: token e0 -> (1 + r) / 2, token e1 -> (r + 0) / 2 (the padded e1 must not count)
    got = cosine_deviation.top_mean(query, query_mask, keys, key_mask, top=2)
    assert got.item() == pytest.approx(((1 + r) / 2 + r / 2) / 2, rel=1e-6)
    # top 10 of 3 real keys: the mean of all three
    got = cosine_deviation.top_mean(query, query_mask, keys, key_mask, top=10)
    assert got.item() == pytest.approx(((1 + r + 0) / 3 + (0 + r + 0) / 3) / 2, rel=1e-6)


def test_cosine_deviation_is_random_minus_translation_per_layer():
    e = torch.eye(3)
    mask = torch.tensor([[True]])
    source = (e[0][None, None], e[0][None, None])  # layers 0 and 1: one sentence of one token
    translation = (e[0][None, None], ((e[0] + e[1]) / math.sqrt(2))[None, None])  # cos 1/sqrt(2) at layer 1
    partner = (e[0][None, None], e[2][None, None])  # cos 0 at layer 1
    measure = cosine_deviation.CosineDeviation()
    measure.add(source, mask, translation, mask, partner, mask)
    result = measure.result()  # layer 0 (embeddings) is left out
    assert result["translation"] == pytest.approx([1 / math.sqrt(2)])
    assert result["random"] == pytest.approx([0.0])
    assert result["deviation"] == pytest.approx([-1 / math.sqrt(2)])
    order = cosine_deviation.derangement(50, seed=3)
    assert sorted(order) == list(range(50)) and all(i != j for i, j in enumerate(order))
    assert order == cosine_deviation.derangement(50, seed=3)


# --- pooled states ----------------------------------------------------------------


def test_pooled_states_equal_unpadded_forward_means(tiny_model):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    tokenizer.padding_side = "right"
    model = AutoModelForCausalLM.from_pretrained(tiny_model).eval()
    sentences = ["The cat sat.", "A much longer sentence about the weather today.", "Hi"]
    pooled = Encoder(model, tokenizer, torch.device("cpu"), batch_size=3).pooled(sentences)
    skipped = Encoder(model, tokenizer, torch.device("cpu"), batch_size=2, skip_first_token=True).pooled(sentences)
    assert pooled.dtype == torch.float16 and pooled.shape == (3, 3, 64)  # embeddings + 2 layers, 3 sentences
    for i, text in enumerate(sentences):
        ids = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            hidden = model(**ids, output_hidden_states=True).hidden_states
        want = torch.stack([layer[0].mean(0) for layer in hidden])
        torch.testing.assert_close(pooled[:, i].float(), want, rtol=2e-3, atol=2e-3)
        if ids["input_ids"].shape[1] > 1:
            torch.testing.assert_close(skipped[:, i].float(), torch.stack([layer[0, 1:].mean(0) for layer in hidden]),
                                       rtol=2e-3, atol=2e-3)


# --- FLORES in every layout -------------------------------------------------------


def test_flores_tsv_plain_files_and_unaligned_input(tmp_path):
    sib = shared_path("data", "flores_sib200")
    corpus = flores.load(TEN, str(sib), "dev")
    assert list(corpus.sentences) == TEN and len(corpus.ids) == 99
    assert all(len(texts) == 99 for texts in corpus.sentences.values())
    whole = flores.load(["en", "deu_Latn"], str(sib), "train,dev,test")
    assert len(whole.ids) == 1004 and whole.sentences["de"][701] == corpus.sentences["de"][0]

    # Plain FLORES-200 release files, both layouts.
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "eng_Latn.dev").write_text("One.\nTwo.\nThree.\n", encoding="utf-8")
    (tmp_path / "deu_Latn.dev").write_text("Eins.\nZwei.\nDrei.\n", encoding="utf-8")
    plain = flores.load(["en", "de"], str(tmp_path), "dev")
    assert plain.sentences == {"en": ["One.", "Two.", "Three."], "de": ["Eins.", "Zwei.", "Drei."]}
    (tmp_path / "deu_Latn.dev").write_text("Eins.\nZwei.\n", encoding="utf-8")
    with pytest.raises(ParallelDataError, match="not aligned.*en has 3.*de 2"):
        flores.load(["en", "de"], str(tmp_path), "dev")

    # TSVs whose ids differ.
    for code, ids in (("eng_Latn", [1, 2, 3]), ("fra_Latn", [1, 2, 4])):
        (tmp_path / "tsv" / code).mkdir(parents=True)
        lines = ["index_id\tcategory\ttext"] + [f"{i}\tscience\tsentence {i}" for i in ids]
        (tmp_path / "tsv" / code / "dev.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ParallelDataError, match="1 ids only in en, 1 only in fr"):
        flores.load(["en", "fr"], str(tmp_path / "tsv"), "dev")
    with pytest.raises(DataNotFoundError, match="No FLORES dev file for sw"):
        flores.load(["en", "sw"], str(tmp_path / "tsv"), "dev")
    with pytest.raises(ParallelDataError, match="two languages"):
        flores.load(["en"], str(sib), "dev")


def test_flores_hub_failure_names_the_fix(monkeypatch):
    monkeypatch.delenv("XTRANSFER_DATA_DIR", raising=False)
    with pytest.raises(DataNotFoundError, match="openlanguagedata/flores_plus"):
        flores.load(["en", "de"], "hub", "dev")


# --- the command --------------------------------------------------------------------


def align_eval(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "xtransfer-bench"), "align-eval", "--out", str(tmp_path), *args],
                          capture_output=True, text=True, timeout=900)


def check_outputs(out: Path, models: list[str], langs: list[str], layers: int) -> dict:
    from matplotlib.image import imread

    rows = list(csv.DictReader((out / "retrieval.csv").open(encoding="utf-8")))
    assert len(rows) == len(models) * len(langs) * (len(langs) - 1) * (layers + 1)
    assert {row["model"] for row in rows} == set(models)
    assert all(0 <= float(row["accuracy"]) <= 100 for row in rows)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["pairs"] == len(langs) * (len(langs) - 1) and set(summary["results"]) == set(models)
    for name in ("retrieval_by_layer.png", "retrieval_heatmap.png"):
        image = imread(out / name)
        assert image.shape[0] > 100 and image.shape[1] > 100 and image.std() > 0  # drawn, not blank
    return {(row["model"], row["layer"], row["source"], row["target"]): float(row["accuracy"]) for row in rows}


def test_command_on_a_tiny_model_with_an_adapter(tiny_model, tiny_lora, tmp_path):
    sib = shared_path("data", "flores_sib200")
    done = align_eval(tmp_path, "--model", str(tiny_model), "--adapter", str(tiny_lora), "--langs", ",".join(TEN),
                      "--data", str(sib), "--split", "dev", "--limit", "24", "--cosine-deviation", "en,de")
    assert done.returncode == 0, done.stderr[-3000:]
    adapter = Path(tiny_lora).name
    accuracy = check_outputs(tmp_path, ["base", adapter], TEN, layers=2)
    changed = [key for key in accuracy if key[0] == "base" and accuracy[key] != accuracy[(adapter, *key[1:])]]
    assert changed, "the adapter changed no accuracy"
    deviation = list(csv.DictReader((tmp_path / "cosine_deviation.csv").open()))
    assert len(deviation) == 2 * 2 and all(
        float(row["deviation"]) == pytest.approx(float(row["random"]) - float(row["translation"]), abs=2e-6) for row in deviation)
    assert "mean retrieval accuracy over 90 pairs" in done.stdout


def test_command_refuses_bad_input_with_a_clear_error(tiny_model, tmp_path):
    sib = shared_path("data", "flores_sib200")
    done = align_eval(tmp_path, "--model", str(tiny_model), "--langs", "en", "--data", str(sib))
    assert done.returncode == 2 and "at least two languages" in done.stderr
    done = align_eval(tmp_path, "--model", str(tiny_model), "--langs", "en,de", "--data", str(sib),
                      "--cosine-deviation", "en,fr")
    assert done.returncode == 2 and "not among --langs" in done.stderr
    done = align_eval(tmp_path, "--model", str(tiny_model), "--langs", "en,de", "--data", str(tmp_path / "nowhere"))
    assert done.returncode == 2 and "neither 'hub' nor a folder" in done.stderr


@pytest.mark.slow
def test_command_on_smollm2_with_ten_languages(tmp_path):
    from tiny_models import build_lora

    from xtransfer_bench.default_model import default_model_path

    sib = shared_path("data", "flores_sib200")
    lora = build_lora(default_model_path(), tmp_path / "lora", seed=5)
    done = align_eval(tmp_path / "out", "--adapter", str(lora), "--langs", ",".join(TEN), "--data", str(sib),
                      "--split", "dev", "--limit", "8", "--batch-size", "16")
    assert done.returncode == 0, done.stderr[-3000:]
    accuracy = check_outputs(tmp_path / "out", ["base", "lora"], TEN, layers=30)
    assert any(accuracy[key] != accuracy[("lora", *key[1:])] for key in accuracy if key[0] == "base")


def test_several_loras_in_one_run_equal_one_run_each(tiny_model, tiny_lora, tmp_path):
    """One model in memory, the base measured once, each LoRA switched on in
    turn: every variant's accuracies equal those of a run with that adapter alone."""
    from tiny_models import build_lora

    from xtransfer_bench.analysis.align_eval import run

    sib = shared_path("data", "flores_sib200")
    other = build_lora(tiny_model, tmp_path / "other-lora", seed=7)
    options = dict(langs=["en", "de", "fr"], data=str(sib), split="dev", limit=16, method="cosine")
    together = run(str(tiny_model), out=tmp_path / "together", adapter=[f"a={tiny_lora}", f"b={other}"], **options)
    alone_a = run(str(tiny_model), out=tmp_path / "a", adapter=f"a={tiny_lora}", **options)
    alone_b = run(str(tiny_model), out=tmp_path / "b", adapter=str(other), **options)
    assert set(together["results"]) == {"base", "a", "b"}
    assert together["results"]["a"]["mean_by_layer"] == alone_a["results"]["a"]["mean_by_layer"]
    assert together["results"]["b"]["mean_by_layer"] == alone_b["results"]["other-lora"]["mean_by_layer"]
    assert together["results"]["base"]["mean_by_layer"] == alone_a["results"]["base"]["mean_by_layer"]
    assert together["results"]["a"]["mean_by_layer"] != together["results"]["b"]["mean_by_layer"]
