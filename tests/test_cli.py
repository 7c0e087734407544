import os
import subprocess
import sys
from pathlib import Path

from xtransfer_bench import task_files
from xtransfer_bench.fixtures import FIXTURES_DIR

CLI = str(Path(sys.executable).parent / "xtransfer-bench")


def run(*args, env=None):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=600, env=dict(os.environ, **(env or {})))


def test_tasks_path_points_at_the_task_folders():
    done = run("tasks-path")
    assert done.returncode == 0
    path = Path(done.stdout.strip())
    assert path == task_files.TASKS_DIR and (path / "massive" / "_xtransfer_massive.yaml").is_file()


def test_help_has_examples():
    done = run("--help")
    assert done.returncode == 0 and "examples:" in done.stdout and "tasks-path" in done.stdout


def test_unknown_language_is_one_clear_error(tiny_model):
    done = run("eval", "--model_args", f"pretrained={tiny_model}", "--tasks", "xtransfer_massive_xx")
    assert done.returncode == 2
    assert "Unknown task 'xtransfer_massive_xx'" in done.stderr and "xtransfer_massive_ar" in done.stderr
    assert "Traceback" not in done.stderr


def test_adapter_without_config_is_one_clear_error(tiny_model, tmp_path):
    (tmp_path / "adapter_model.safetensors").write_bytes(b"")
    done = run("eval", "--model_args", f"pretrained={tiny_model},peft={tmp_path}", "--tasks", "xtransfer_massive_en")
    assert done.returncode == 2
    assert "no adapter_config.json" in done.stderr and "PeftModel.save_pretrained" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_data_folder_is_one_clear_error(tiny_model, tmp_path):
    done = run(
        "eval", "--model_args", f"pretrained={tiny_model}", "--tasks", "xtransfer_massive_en", "--device", "cpu",
        env={"XTRANSFER_DATA_DIR": str(tmp_path / "nowhere")},
    )
    assert done.returncode == 2
    assert "XTRANSFER_DATA_DIR" in done.stderr and "massive/" in done.stderr
    assert "Traceback" not in done.stderr


def test_train_overrides_may_follow_the_config_option():
    """The README's form `train MODE --config NAME key=value ...` (argparse
    alone rejects key=value after an option)."""
    from xtransfer_bench.cli import build_parser, parse_args

    parser = build_parser()
    args = parse_args(parser, ["train", "sft", "--config", "massive_llama3", "output_dir=adapters/sft", "max_steps=5"])
    assert args.config == "massive_llama3" and args.overrides == ["output_dir=adapters/sft", "max_steps=5"]
    args = parse_args(parser, ["train", "clicp", "lr=1", "--config", "xcopa", "target_langs=[tr]", "--resume"])
    assert args.overrides == ["lr=1", "target_langs=[tr]"] and args.resume
    done = run("train", "sft", "--config", "massive_llama3", "--bogus", "x=1")
    assert done.returncode == 2 and "unrecognized arguments: --bogus" in done.stderr


def test_help_examples_keep_their_line_continuations():
    """Each example line that ends in a backslash is followed by its own continuation line."""
    from xtransfer_bench.cli import EPILOG

    for line in EPILOG.splitlines():
        if "--model auto" in line and "pretrained=BASE" in line:
            assert line.rstrip().endswith("\\")
    assert "95%%" not in run("compare", "--help").stdout


def test_lora_with_targets_the_base_lacks_is_refused_before_loading(tiny_model, tiny_lora, tmp_path):
    import json
    import shutil

    wrong = tmp_path / "wrong-arch-lora"
    shutil.copytree(tiny_lora, wrong)
    config = json.loads((wrong / "adapter_config.json").read_text())
    config["target_modules"] = ["q_proj", "query_key_value"]  # a GPT-NeoX module name: not in a Llama
    (wrong / "adapter_config.json").write_text(json.dumps(config))
    for model_args in (f"pretrained={tiny_model},peft={wrong}", f"pretrained={tiny_model},adapters=neox:{wrong}"):
        model = "hf" if "peft=" in model_args else "xtransfer-hf"
        done = run("eval", "--model", model, "--model_args", model_args, "--tasks", "xtransfer_massive_en",
                   "--device", "cpu", env={"XTRANSFER_DATA_DIR": str(FIXTURES_DIR)})
        assert done.returncode == 2, done.stderr[-2000:]
        assert "query_key_value" in done.stderr and "does not have" in done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
