import json

import pytest

from xtransfer_bench.data import DataNotFoundError, massive


def test_annotation_to_tokens_tags_and_target():
    tokens, tags, slots = massive.parse_annotation("wake me up at [time : five am] [date : this week]")
    assert tokens == ["wake", "me", "up", "at", "five", "am", "this", "week"]
    assert tags == ["O", "O", "O", "O", "B-time", "I-time", "B-date", "I-date"]
    assert slots == [("time", "five am"), ("date", "this week")]


def test_annotation_glued_to_text_and_values_with_colons():
    tokens, tags, slots = massive.parse_annotation("call [person : john]'s phone at [time : 5:30]")
    assert tokens == ["call", "john", "'s", "phone", "at", "5:30"]
    assert tags == ["O", "B-person", "O", "O", "O", "B-time"]
    assert slots == [("person", "john"), ("time", "5:30")]


def test_japanese_is_split_per_character():
    tokens, tags, _ = massive.parse_annotation("[date : 今週] の [time : 午前五時] に起こして", per_character=True)
    assert tokens == list("今週の午前五時に起こして")
    assert tags == ["B-date", "I-date", "O", "B-time", "I-time", "I-time", "I-time", "O", "O", "O", "O", "O"]


def test_malformed_brackets_are_kept_as_text():
    tokens, tags, slots = massive.parse_annotation("press [ok] now")
    assert tokens == ["press", "[ok]", "now"] and tags == ["O"] * 3 and slots == []


def test_load_fixture_split(fixture_data):
    docs = massive.load("en", "test")
    assert len(docs) == 4
    first = docs[0]
    assert first["utt"] == "wake me up at five am this week"
    assert first["target"] == "time: five am; date: this week"
    assert docs[2]["target"] == "None"
    assert len(massive.load("en", "validation")) == 1 and len(massive.load("en", "train")) == 1


def test_zh_fixture_is_split_per_character(fixture_data):
    doc = massive.load("zh", "test")[0]
    assert doc["tokens"] == list("这周早上五点叫醒我")


def test_missing_data_folder_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(tmp_path))
    with pytest.raises(DataNotFoundError, match="XTRANSFER_DATA_DIR"):
        massive.load("en")


def test_missing_locale_file_names_the_file(tmp_path, monkeypatch):
    (tmp_path / "massive").mkdir()
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(tmp_path))
    with pytest.raises(DataNotFoundError, match="en-US.jsonl"):
        massive.load("en")


def test_broken_json_line_names_file_and_line(tmp_path, monkeypatch):
    (tmp_path / "massive").mkdir()
    good = {"id": "1", "locale": "en-US", "partition": "test", "utt": "hi", "annot_utt": "hi"}
    (tmp_path / "massive" / "en-US.jsonl").write_text(json.dumps(good) + "\n{broken\n", encoding="utf-8")
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="en-US.jsonl:2"):
        massive.load("en")


def test_language_without_massive_is_refused():
    with pytest.raises(ValueError, match="MASSIVE has no Czech"):
        massive.load("cs")


def test_unreachable_hub_names_the_offline_variable(monkeypatch):
    monkeypatch.delenv("XTRANSFER_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(DataNotFoundError, match="AmazonScience/massive.*XTRANSFER_DATA_DIR"):
        massive.load("en")


# --- MASSIVE's ja/zh tokens, data source ------------------------------------------


def test_ja_zh_split_keeps_ascii_chunks_whole():
    # create_hf_dataset.py: an all-ASCII whitespace chunk is one token, any
    # other chunk one token per character (Latin letters inside it included).
    assert massive.split_words("iPhone充电器 ok 5时", per_character=True) == ["i", "P", "h", "o", "n", "e", "充", "电", "器", "ok", "5", "时"]
    assert massive.split_words("play ok", per_character=False) == ["play", "ok"]


def test_zh_fixture_with_a_latin_slot_value(fixture_data):
    # 在 [app_name : spotify] 上播放 [artist_name : 阿黛尔]: spotify is one token.
    doc = massive.load("zh", "test")[3]
    assert doc["tokens"] == ["在", "spotify", "上", "播", "放", "阿", "黛", "尔"]
    assert doc["tags"] == ["O", "B-app_name", "O", "O", "O", "B-artist_name", "I-artist_name", "I-artist_name"]
    assert doc["target"] == "app_name: spotify; artist_name: 阿黛尔"


def test_fixture_rows_say_they_are_fixtures(fixture_data):
    path = fixture_data / "massive" / "en-US.jsonl"
    assert massive.load("en", "test")[0]["data_source"] == f"fixtures:massive-1.1:en-US:test|local:{path}"
    assert set(massive.load("ja", "validation")["data_source"]) == {
        f"fixtures:massive-1.1:ja-JP:validation|local:{fixture_data / 'massive' / 'ja-JP.jsonl'}"
    }


def test_local_copy_names_the_file_read(tmp_path, monkeypatch, fixture_data):
    (tmp_path / "massive").mkdir()
    copy = tmp_path / "massive" / "de-DE.jsonl"
    copy.write_text((fixture_data / "massive" / "de-DE.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(tmp_path))
    docs = massive.load("de", "test")
    assert set(docs["data_source"]) == {f"massive-1.1:de-DE:test|local:{copy}"}


def test_hub_rows_name_the_hub_revision(monkeypatch):
    monkeypatch.delenv("XTRANSFER_DATA_DIR", raising=False)
    row = {"id": "9", "utt": "play adele", "annot_utt": "play [artist_name : adele]"}
    monkeypatch.setattr(massive, "load_from_hub", lambda *args, **kwargs: [row])
    doc = massive.load("de", "test")[0]
    assert doc["data_source"] == "massive-1.1:de-DE:test|hub:AmazonScience/massive@refs/convert/parquet:de-DE"
    assert doc["tags"] == ["O", "B-artist_name"]
