"""The COMET wrapper's wiring, checked with a recording stand-in for the model
(no comet package needed): source, hypothesis and reference reach COMET's
src / mt / ref fields, the first reference is the one used, scores come back
x100, and `compare --comet` resamples them."""

import json
from types import SimpleNamespace

import pytest

from xtransfer_bench.fixtures import FIXTURES_DIR
from xtransfer_bench.metrics import comet

STUB = "recording-stub-comet"


class RecordingComet:
    """Scores a segment by a rule of its own inputs, so every expected score is
    computable by hand: 0.01 * (len(mt) - len(ref)) + 0.5, and 0.9 when mt == ref."""

    def __init__(self):
        self.calls: list[list[dict]] = []

    @staticmethod
    def rule(sample: dict) -> float:
        return 0.9 if sample["mt"] == sample["ref"] else 0.01 * (len(sample["mt"]) - len(sample["ref"])) + 0.5

    def predict(self, samples, batch_size, gpus, progress_bar, mc_dropout):
        self.calls.append([dict(sample) for sample in samples])
        scores = [self.rule(sample) for sample in samples]
        return SimpleNamespace(scores=scores, system_score=sum(scores) / len(scores))


@pytest.fixture
def stub(monkeypatch):
    model = RecordingComet()
    monkeypatch.setitem(comet._MODELS, STUB, model)
    return model


def test_fields_reference_and_scale_through_the_task(stub, monkeypatch, tmp_path):
    from xtransfer_bench.score import score

    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(FIXTURES_DIR))
    folder = FIXTURES_DIR / "wmt" / "wmt22"
    sources = (folder / "generaltest2022.de-en.src.de").read_text(encoding="utf-8").splitlines()
    ref_a = (folder / "generaltest2022.de-en.ref.A.en").read_text(encoding="utf-8").splitlines()
    ref_b = (folder / "generaltest2022.de-en.ref.B.en").read_text(encoding="utf-8").splitlines()
    # Segment 0 right (= refA), the others refB's wording: COMET must see refA, the first reference.
    hypotheses = [ref_a[0], *ref_b[1:]]
    hyp = tmp_path / "hyp.en"
    hyp.write_text("\n".join(hypotheses) + "\n", encoding="utf-8")
    scores = score("xtransfer_wmt_de_en", hyp, {"comet_model": STUB, "references": "all"}, ["comet", "comet_signature"])
    assert len(stub.calls) == 1
    assert stub.calls[0] == [{"src": s, "mt": h, "ref": r} for s, h, r in zip(sources, hypotheses, ref_a)]
    expected = [0.9] + [0.01 * (len(h) - len(r)) + 0.5 for h, r in zip(hypotheses[1:], ref_a[1:])]
    assert scores["comet"] == pytest.approx(100 * sum(expected) / len(expected))
    assert scores["comet_signature"] == f"model:{STUB}|refs:first|scale:0-100"


def test_compare_comet_resamples_the_stub_scores(stub, tmp_path):
    from lm_eval_logs import write_run

    from xtransfer_bench.compare.report import compare
    from xtransfer_bench.compare.runs import load_run

    refs = [f"reference sentence number {i}" for i in range(40)]
    hyps_a = [f"hypothesis {i}" for i in range(40)]
    hyps_b = list(refs[:30]) + hyps_a[30:]  # B gets 30 of 40 exactly right

    def task(hyps):
        items = [{"hypothesis": h, "references": [r], "source": f"quelle {i}", "tgt_lang": "en", "bleu_scheme": "paper",
                  "comet_model": STUB, "comet_batch_size": 8} for i, (h, r) in enumerate(zip(hyps, refs))]
        docs = [{"source": f"quelle {i}", "src_lang": "de", "tgt_lang": "en"} for i in range(len(hyps))]
        segments = [RecordingComet.rule({"mt": h, "ref": r}) for h, r in zip(hyps, refs)]
        return docs, {"comet": items}, {"comet": 100 * sum(segments) / len(segments)}, \
            {"comet": f"model:{STUB}|refs:first|scale:0-100"}

    path_a = write_run(tmp_path / "a", "a", {"xtransfer_wmt_de_en": task(hyps_a)})
    path_b = write_run(tmp_path / "b", "b", {"xtransfer_wmt_de_en": task(hyps_b)})
    result = compare(load_run(path_a), load_run(path_b), resamples=200, seed=1, comet=True)
    line = next(line for line in result.lines if line.metric == "comet" and line.language == "de-en")
    seg_a = [RecordingComet.rule({"mt": h, "ref": r}) for h, r in zip(hyps_a, refs)]
    seg_b = [RecordingComet.rule({"mt": h, "ref": r}) for h, r in zip(hyps_b, refs)]
    assert line.result.a == pytest.approx(100 * sum(seg_a) / 40) and line.result.b == pytest.approx(100 * sum(seg_b) / 40)
    assert line.result.low > 0 and line.result.significant  # B is better on 30 items, never worse
    assert not result.notes, result.notes
    assert {json.dumps(sample, sort_keys=True) for call in stub.calls for sample in call} >= {
        json.dumps({"mt": hyps_b[0], "ref": refs[0], "src": "quelle 0"}, sort_keys=True)}
