"""Every command, fed a bad input of each kind a user can cause, ends in one
line naming the input and the fix (exit status 2), never a traceback."""

import pytest

from xtransfer_bench import cli
from xtransfer_bench.fixtures import FIXTURES_DIR


def one_line_error(capsys, argv: list[str]) -> str:
    assert cli.main(argv) == 2
    err = [line for line in capsys.readouterr().err.strip().splitlines() if line.startswith("xtransfer-bench: error:")]
    assert len(err) == 1, err
    return err[0]


def test_score(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XTRANSFER_DATA_DIR", str(FIXTURES_DIR))
    message = one_line_error(capsys, ["score", "--task", "xtransfer_wmt_de_en", "--predictions", str(tmp_path / "none")])
    assert "does not exist" in message
    message = one_line_error(capsys, ["score", "--task", "xtransfer_wmt_xx_en", "--predictions", str(tmp_path / "none")])
    assert "Unknown task 'xtransfer_wmt_xx_en'" in message and "xtransfer_wmt_de_en" in message


def test_train(capsys):
    message = one_line_error(capsys, ["train", "sft", "--config", "massive_llama3", "epochs=1"])
    assert "Unknown config keys ['epochs']" in message and "max_epochs" in message
    message = one_line_error(capsys, ["train", "sft", "--config", "no_such_config"])
    assert "no_such_config" in message


def test_merge(capsys, tmp_path):
    message = one_line_error(capsys, ["merge", "--task", str(tmp_path / "nope"), "--align", str(tmp_path / "nope2"),
                                      "--out", str(tmp_path / "out")])
    assert "nope" in message


def test_align_eval(capsys, tmp_path):
    message = one_line_error(capsys, ["align-eval", "--model", str(tmp_path), "--langs", "en", "--data", str(tmp_path)])
    assert "at least two languages" in message
    message = one_line_error(capsys, ["align-eval", "--model", str(tmp_path), "--langs", "en,xx", "--data", str(tmp_path)])
    assert "xx" in message


def test_leaderboard(capsys, tmp_path):
    message = one_line_error(capsys, ["leaderboard", "--results", str(tmp_path / "missing"), "--out", str(tmp_path / "o")])
    assert "no such file or folder" in message
    (tmp_path / "results_x.json").write_text("{not json")
    message = one_line_error(capsys, ["leaderboard", "--results", str(tmp_path), "--out", str(tmp_path / "o")])
    assert "is not an lm-eval results file" in message


def test_compare(capsys, tmp_path):
    from lm_eval_logs import choice_task, write_run

    a = write_run(tmp_path / "a", "a", {"xtransfer_xcopa_tr": choice_task("tr", [True, False] * 20)}, version="2.0")
    b = write_run(tmp_path / "b", "b", {"xtransfer_xcopa_tr": choice_task("tr", [True, True] * 20)}, version="3.0")
    message = one_line_error(capsys, ["compare", str(a), str(b)])
    assert "task versions differ" in message
    message = one_line_error(capsys, ["compare", str(a), str(tmp_path / "nowhere")])
    assert "no such file or folder" in message


def test_eval(capsys, tmp_path):
    message = one_line_error(capsys, ["eval", "--model_args", f"pretrained={tmp_path}", "--tasks", "xtransfer_xnli_xx"])
    assert "Unknown task 'xtransfer_xnli_xx'" in message
    message = one_line_error(capsys, ["eval", "--model_args", f"pretrained={tmp_path}", "--tasks", "xtransfer_xnli_en",
                                      "--metadata", "{bad json"])
    assert "Invalid JSON" in message
    message = one_line_error(capsys, ["eval", "--model_args", f"pretrained={tmp_path},peft={tmp_path / 'nope'}",
                                      "--tasks", "xtransfer_xnli_en"])
    assert "does not exist" in message


def test_usage_errors_exit_2_through_argparse(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["compare"])
    assert stop.value.code == 2
