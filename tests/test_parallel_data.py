"""Parallel data for alignment: Tatoeba (LASER layout) and FLORES (SIB-200 TSV)."""

import pytest
from conftest import shared_path

from xtransfer_bench.data import parallel


def test_tatoeba_pairs_from_the_laser_layout(tmp_path, monkeypatch):
    folder = tmp_path / "tatoeba"
    folder.mkdir()
    (folder / "tatoeba.cym-eng.cym").write_text("Bore da.\n\nDiolch.\n")
    (folder / "tatoeba.cym-eng.eng").write_text("Good morning.\nEmpty on the other side.\nThanks.\n")
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(tmp_path))
    assert parallel.tatoeba_pairs("cy") == [("Bore da.", "Good morning."), ("Diolch.", "Thanks.")]


def test_files_of_different_lengths_are_refused(tmp_path, monkeypatch):
    folder = tmp_path / "tatoeba"
    folder.mkdir()
    (folder / "tatoeba.cym-eng.cym").write_text("a\nb\nc\n")
    (folder / "tatoeba.cym-eng.eng").write_text("a\nb\n")
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(tmp_path))
    with pytest.raises(parallel.ParallelDataError, match="3 lines but .* has 2"):
        parallel.tatoeba_pairs("cy")


def test_an_empty_language_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "tatoeba"
    folder.mkdir()
    (folder / "tatoeba.cym-eng.cym").write_text("\n\n")
    (folder / "tatoeba.cym-eng.eng").write_text("\n\n")
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(tmp_path))
    with pytest.raises(parallel.ParallelDataError, match="no non-empty pairs"):
        parallel.tatoeba_pairs("cy")


def test_real_tatoeba_and_flores(monkeypatch):
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(shared_path("data")))
    welsh = parallel.tatoeba_pairs("cy")
    assert welsh[0] == ("Mae Muiriel yn ugain mlwydd oed.", "Muriel is twenty years old.")
    german = parallel.flores_pairs("de", "en", "dev")
    assert len(german) == 99  # SIB-200 dev split, joined on index_id
    ids = sorted(parallel.flores_sentences("de", "dev"), key=int)
    assert german[0] == (parallel.flores_sentences("de", "dev")[ids[0]], parallel.flores_sentences("en", "dev")[ids[0]])
