"""K LoRA adapters over one ~1B Llama, end to end: xtransfer-hf with mixed-adapter
batches, xtransfer-hf with one adapter per batch, and K sequential
`lm_eval --model hf --model_args peft=...` runs. Whole processes, timed from
start to exit (imports, model load, tasks, generation, scoring, results files).

    # the GPU machine (one device call; see benchmarks/gpu/README.md):
    python3 benchmarks/gpu/multi_adapter.py --wheels benchmarks/gpu/carry/wheels --out "$OUT"
    # here, on CPU, the same code with a tiny Llama, few prompts and tokens:
    python benchmarks/gpu/multi_adapter.py --device cpu --tiny

What it builds (nothing comes from the hub):
- the model: Llama-3.2-1B geometry (hidden 2048, 16 layers, 32 heads, 8 KV
  heads, MLP 8192, tied embeddings) over the SmolLM2 tokenizer (49152 tokens):
  1.07B parameters, random, saved in bf16. Greedy decoding of a random model
  stops wherever it happens to emit an end-of-turn token or a blank line, so
  the output rows of every token that holds a newline or "<" (and of every
  special token) are zeroed: no stop sequence can appear, every request
  generates exactly --new-tokens tokens, and all engines do the same work.
- K random LoRA adapters (r=8, alpha 16, q/k/v/o), ordinary PEFT folders.
- the data: MASSIVE is not available offline and the bundled fixtures hold 4
  test rows per language, so a data root (XTRANSFER_DATA_DIR) holds MASSIVE
  1.1 files for en, de, ja, sw whose test rows repeat the fixture rows with a
  copy number appended (" (3)", outside any slot), --prompts in all. The real
  tasks (xtransfer_massive_<lang>) run on it: same prompts, chat template,
  stop sequences and slot-F1 scoring as a real evaluation; every prompt is
  distinct, so no engine can answer a repeat from a cache.

Runs, in this order, each only while --budget-s lasts (a run is capped at
what is left; one that hits the cap is reported as a lower bound, with the
whole run's time that its progress bars imply):
for each K ascending: xtransfer-hf one adapter per batch (at K = 1 it is the
mixed run: one adapter), xtransfer-hf mixed, then lm-eval hf runs up to
min(K, --lm-eval-runs); afterwards more lm-eval runs while time is left. The
lm-eval column for K sums the first K runs (each run is one adapter, the same
work whatever K is); where fewer were run, the rest count at their mean and
the table says so.

On the GPU machine, --wheels installs the carried wheels (prepare_carry.py)
into <workdir>/site, first on the path of this process and of every run, and
checks that the installed project matches the tree the call sent.

Writes multi_adapter.json and multi_adapter.md to --out (default $OUT, else
<workdir>/report) after every run, so a run cut short still reports.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CARRY = HERE / "carry"
LANGUAGES = ["en", "de", "ja", "sw"]
# Llama-3.2-1B's geometry; the tiny one is the tests' tiny Llama.
GEOMETRY = {
    "full": dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
                 num_key_value_heads=8, head_dim=64),
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2,
                 num_key_value_heads=1, head_dim=32),
}
DEFAULTS = {
    "full": dict(prompts=256, new_tokens=64, ks=[1, 4, 16], batch_size=64, lm_eval_runs=2, budget_s=450.0),
    "tiny": dict(prompts=16, new_tokens=8, ks=[1, 2], batch_size=8, lm_eval_runs=2, budget_s=1200.0),
}
MIXED, PER_ADAPTER, LM_EVAL = "xtransfer-hf mixed", "xtransfer-hf per-adapter", "lm-eval hf"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    parser.add_argument("--tiny", action="store_true", help="tiny Llama and small defaults: a CPU check of the whole script")
    parser.add_argument("--dtype", default="bfloat16")
    parser.add_argument("--ks", type=int, nargs="+", default=None, help="adapter counts (default 1 4 16; tiny: 1 2)")
    parser.add_argument("--prompts", type=int, default=None, help="MASSIVE prompts over en, de, ja, sw (default 256; tiny: 16)")
    parser.add_argument("--new-tokens", type=int, default=None, help="generated per prompt (default 64; tiny: 8)")
    parser.add_argument("--batch-size", type=int, default=None, help="of every engine (default 64; tiny: 8)")
    parser.add_argument("--lm-eval-runs", type=int, default=None,
                        help="lm-eval hf processes run among the xtransfer runs; more run at the end while time is left (default 2)")
    parser.add_argument("--budget-s", type=float, default=None,
                        help="seconds from start after which no run starts (default 450; tiny: 1200)")
    parser.add_argument("--wheels", default=None, help="install these wheels first (--target), for the GPU machine")
    parser.add_argument("--tokenizer", default=None,
                        help="tokenizer folder (default: benchmarks/gpu/carry/tokenizer, else xtransfer-bench default-model)")
    parser.add_argument("--workdir", default="/tmp/xtransfer-gpu-bench", help="scratch folder, emptied first")
    parser.add_argument("--out", default=None, help="report folder (default: $OUT, else <workdir>/report)")
    args = parser.parse_args(argv)
    for name, value in DEFAULTS["tiny" if args.tiny else "full"].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.out = args.out or os.environ.get("OUT") or str(Path(args.workdir) / "report")
    return args


# Setup ----------------------------------------------------------------------


def install_wheels(folder: Path, site: Path) -> None:
    """The carried wheels, into a folder put first on the path of this process
    and of every run (nothing there is in the machine's image)."""
    wheels = sorted(str(p) for p in folder.glob("*.whl"))
    if not wheels:
        sys.exit(f"multi_adapter: no wheels in {folder}; run benchmarks/gpu/prepare_carry.py first")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-cache-dir",
                    "--no-compile", "--upgrade", "--target", str(site), *wheels], check=True)
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    os.environ["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])])


def versions(device: str) -> dict:
    import importlib.metadata as metadata

    import torch

    found = {"python": platform.python_version(), "cpus": os.cpu_count()}
    for name in ("torch", "transformers", "peft", "accelerate", "lm_eval", "datasets", "xtransfer-bench",
                 "pyarrow", "fsspec", "pandas", "huggingface_hub", "numpy"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    found["device"] = torch.cuda.get_device_name(0) if device.startswith("cuda") else platform.processor() or "cpu"
    return found


def write_data_root(root: Path, prompts: int) -> list[str]:
    """MASSIVE 1.1 files whose test rows are the fixtures' test rows, repeated
    with a copy number (dev and train rows as they are); returns the task names."""
    from xtransfer_bench import languages
    from xtransfer_bench.fixtures import FIXTURES_DIR

    folder = root / "massive"
    folder.mkdir(parents=True, exist_ok=True)
    tasks = []
    for index, lang in enumerate(LANGUAGES):
        locale = languages.get(lang).massive
        rows = [json.loads(line) for line in (FIXTURES_DIR / "massive" / f"{locale}.jsonl").read_text(encoding="utf-8").splitlines()]
        tests = [row for row in rows if row["partition"] == "test"]
        count = prompts // len(LANGUAGES) + (index < prompts % len(LANGUAGES))
        # The task's few-shot split (validation) must exist even at 0 shots.
        written = [json.dumps(row, ensure_ascii=False) for row in rows if row["partition"] != "test"]
        for n in range(count):
            row, copy = dict(tests[n % len(tests)]), n // len(tests)
            if copy:
                row.update(id=f"{row['id']}-{copy}", utt=f"{row['utt']} ({copy})", annot_utt=f"{row['annot_utt']} ({copy})")
            written.append(json.dumps(row, ensure_ascii=False))
        (folder / f"{locale}.jsonl").write_text("\n".join(written) + "\n", encoding="utf-8")
        tasks.append(f"xtransfer_massive_{lang}")
    return tasks


def load_tokenizer(folder: Path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if not tokenizer.chat_template:
        sys.exit(f"multi_adapter: the tokenizer in {folder} has no chat template")
    return tokenizer


def stop_token_ids(tokenizer) -> list[int]:
    """Tokens whose text could start a stop sequence ("\\n\\n", "<|im_end|>",
    "</s>", ...): every special token and every token holding "\\n" or "<"."""
    texts = tokenizer.batch_decode([[i] for i in range(len(tokenizer))])
    special = set(tokenizer.all_special_ids)
    return [i for i, text in enumerate(texts) if i in special or "\n" in text or "<" in text]


def build_model(folder: Path, tokenizer, geometry: dict, device: str, dtype: str, seed: int = 0):
    """A random Llama saved as an ordinary HF folder; returns the live model."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer), max_position_embeddings=4096, tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, bos_token_id=None, **geometry,
    )
    torch.manual_seed(seed)
    with torch.device(device):  # initialised where it runs: seconds, not a minute of CPU init
        model = LlamaForCausalLM(config)
    model.to(getattr(torch, dtype))
    with torch.no_grad():  # a zero output row scores 0 < the max of 49k random logits: never picked
        model.get_output_embeddings().weight[stop_token_ids(tokenizer)] = 0
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return model


def build_adapters(model, model_dir: Path, folder: Path, count: int) -> list[Path]:
    """`count` random LoRA adapters (r=8, q/k/v/o) saved as PEFT folders."""
    import torch
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                        init_lora_weights=False)
    model.name_or_path = str(model_dir)  # PEFT records it as the adapters' base model
    peft_model = get_peft_model(model, config)
    paths = []
    for index in range(count):
        torch.manual_seed(100 + index)
        with torch.no_grad():
            for name, parameter in peft_model.named_parameters():
                if "lora_A" in name or "lora_B" in name:
                    parameter.normal_(0.0, 0.02)
        path = folder / f"lora{index}"
        peft_model.save_pretrained(path)
        paths.append(path)
    return paths


def warm_up(env: dict, out: Path) -> None:
    """Import what every run imports once, untimed: the first import after an
    install compiles .pyc files, which would otherwise fall on the first run.
    On the GPU machine this is also the first check that the carried wheels
    work with its image: a failure stops here, in seconds, with the reason."""
    done = subprocess.run([sys.executable, "-c", "import lm_eval.models.huggingface, lm_eval.tasks, datasets, peft, "
                           "xtransfer_bench.cli, xtransfer_bench.backends.hf, xtransfer_bench.metrics.slot_f1"],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        out.mkdir(parents=True, exist_ok=True)
        (out / "multi_adapter.json").write_text(json.dumps({"error": "imports failed", "stderr": done.stderr[-6000:]}, indent=2))
        sys.exit(f"multi_adapter: the imports every run needs failed:\n{done.stderr[-6000:]}")


# Runs -----------------------------------------------------------------------


class Bench:
    def __init__(self, args, started: float):
        self.args, self.started = args, started
        self.deadline = started + args.budget_s
        self.runs: list[dict] = []
        self.info: dict = {}

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def run(self, label: str, k: int, command: list[str], run_dir: Path, env: dict, adapters: list[str]) -> dict | None:
        """One whole process, capped at the budget left; None when no time is left to start it."""
        limit = self.left()
        if limit < 10:
            return None
        run_dir.mkdir(parents=True, exist_ok=True)
        record = {"label": label, "k": k, "adapters": adapters, "command": command, "limit_s": round(limit, 1)}
        print(f"--- {label}, K={k} (at most {limit:.0f} s)", flush=True)
        start = time.perf_counter()
        with open(run_dir / "run.log", "w") as log:
            try:
                done = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=limit)
                record["status"] = "ok" if done.returncode == 0 else f"failed ({done.returncode})"
            except subprocess.TimeoutExpired:
                record["status"] = "stopped at the budget"
        record["seconds"] = round(time.perf_counter() - start, 2)
        if record["status"] == "ok":
            record["answers"] = read_answers(run_dir, adapters)
        else:
            log = (run_dir / "run.log").read_text(errors="replace")
            record["log_tail"] = log[-3000:]
            print(record["log_tail"], flush=True)
            record.update(progress(log, len(adapters) * self.args.prompts, record["seconds"]))
        print(f"    {record['status']}: {record['seconds']:.1f} s", flush=True)
        self.runs.append(record)
        return record


def progress(log: str, total: int, seconds: float) -> dict:
    """How far a cut run got, from lm-eval's progress bars ("Running
    generate_until requests: 37%| 1520/4096 [01:40<02:49, ...]"), one bar per
    generation pass, and the whole run's time that this rate implies: the
    time outside the bars as it was, the time in them scaled to `total`."""
    bars: list[list[float]] = []  # [done, of, elapsed seconds] at each bar's last update
    pattern = re.compile(r"Running generate_until requests:.*?(\d+)/(\d+) \[([\d:]+)<")
    for line in log.replace("\r", "\n").splitlines():
        if match := pattern.search(line):
            done, of = int(match[1]), int(match[2])
            elapsed = sum(int(part) * 60 ** i for i, part in enumerate(reversed(match[3].split(":"))))
            if bars and done >= bars[-1][0] and of == bars[-1][1]:
                bars[-1] = [done, of, elapsed]
            else:
                bars.append([done, of, elapsed])
    done = sum(int(bar[0]) for bar in bars)
    if not done:
        return {"generated": 0}
    in_bars = sum(bar[2] for bar in bars)
    return {"generated": done, "estimated_s": round(seconds - in_bars + in_bars * total / done, 1)}


def read_answers(run_dir: Path, adapters: list[str]) -> dict[str, str]:
    """{"adapter|task|doc_id": response} from lm-eval's samples files. A
    multi-adapter run writes <run_dir>/<adapter>/...; a single run is adapters[0]."""
    answers = {}
    for path in run_dir.rglob("samples_*.jsonl"):
        parts = path.relative_to(run_dir).parts
        adapter = parts[0] if parts[0] in adapters else adapters[0]
        task = path.name.removeprefix("samples_").rsplit("_", 1)[0]
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            response = row.get("resps") or [[""]]
            while isinstance(response, list):
                response = response[0] if response else ""
            answers[f"{adapter}|{task}|{row['doc_id']}"] = str(response)
    return answers


def summarise(bench: Bench, tokenizer) -> tuple[list[dict], list[dict]]:
    """Rows of the table (one per K) and the per-run records without answers."""
    args = bench.args
    by_label = {(r["label"], r["k"]): r for r in bench.runs}
    peers = [r for r in bench.runs if r["label"] == LM_EVAL]
    peer_ok = [r for r in peers if r["status"] == "ok"]
    peer_answers = {key: text for r in peer_ok for key, text in r["answers"].items()}
    rows = []
    for k in args.ks:
        generations = k * args.prompts
        row: dict = {"k": k, "generations": generations, "tokens": generations * args.new_tokens}
        for label in (MIXED, PER_ADAPTER):
            record = by_label.get((label, k)) or (by_label.get((MIXED, 1)) if k == 1 else None)
            if record is None:
                continue
            cell = {"seconds": record["seconds"], "status": record["status"]}
            cell.update({key: record[key] for key in ("generated", "estimated_s") if key in record})
            if record["status"] == "ok":
                answers = record["answers"]
                cell["answers"] = len(answers)
                shared = [key for key in answers if key in peer_answers]
                if shared:
                    cell["same_text_as_lm_eval"] = round(sum(answers[key] == peer_answers[key] for key in shared) / len(shared), 3)
                lengths = [len(tokenizer(text, add_special_tokens=False)["input_ids"]) for text in list(answers.values())[:256]]
                cell["mean_answer_tokens"] = round(statistics.mean(lengths), 1) if lengths else 0
            row[label] = cell
        measured = [r["seconds"] for r in peer_ok[:k]]
        if measured:
            extra = k - len(measured)
            row[LM_EVAL] = {"seconds": round(sum(measured) + extra * statistics.mean(measured), 2),
                            "runs_measured": len(measured), "runs_extrapolated": extra, "status": "ok"}
        elif peers and peers[0]["status"] != "ok":
            row[LM_EVAL] = {"seconds": peers[0]["seconds"], "status": peers[0]["status"]}
        rows.append(row)
    records = [{key: value for key, value in r.items() if key != "answers"} | {"answers": len(r.get("answers", {}))}
               for r in bench.runs]
    return rows, records


def size(parameters: int) -> str:
    return f"{parameters / 1e9:.2f}B" if parameters >= 1e8 else f"{parameters / 1e6:.1f}M"


def markdown(rows: list[dict], info: dict, args) -> str:
    def seconds(cell: dict | None) -> str:
        if not cell:
            return "not run"
        if cell["status"] != "ok" and "budget" in cell["status"]:
            estimate = f"; whole run ~{cell['estimated_s']:.0f} s at that rate" if "estimated_s" in cell else ""
            return f">= {cell['seconds']:.0f} (cut: {cell.get('generated', 0)} generated{estimate})"
        if cell["status"] != "ok":
            return cell["status"]
        note = f" ({cell['runs_measured']} runs measured, {cell['runs_extrapolated']} more at their mean)" if cell.get("runs_extrapolated") else ""
        return f"{cell['seconds']:.1f}{note}"

    def ratio(a: dict | None, b: dict | None) -> str:
        ok = a and b and a["status"] == "ok" and b["status"] == "ok"
        return f"{a['seconds'] / b['seconds']:.2f}x" if ok else "-"

    def rate(cell: dict | None, tokens: int) -> str:
        return f"{tokens / cell['seconds']:.0f}" if cell and cell["status"] == "ok" else "-"

    env = info["environment"]
    lines = [
        f"K LoRA adapters (r=8, q/k/v/o) over a random {size(info['parameters'])}-parameter Llama ({args.dtype}), "
        f"{args.prompts} MASSIVE prompts x {args.new_tokens} new tokens, batch {args.batch_size}, greedy; "
        f"{env['device']}, torch {env['torch']}, transformers {env['transformers']}, peft {env['peft']}, lm-eval {env['lm_eval']}. "
        "Seconds are whole processes (start to exit); tok/s = generated tokens / those seconds; "
        "a / b = seconds of a over seconds of b (above 1: b is faster).",
        "",
        f"| K | generations | {MIXED} s | tok/s | {PER_ADAPTER} s | tok/s | {LM_EVAL} x K s | tok/s "
        "| lm-eval / mixed | lm-eval / per-adapter | per-adapter / mixed | same text as lm-eval (mixed, per-adapter) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        mixed, per, peer = row.get(MIXED), row.get(PER_ADAPTER), row.get(LM_EVAL)
        same = ", ".join(str(c.get("same_text_as_lm_eval", "-")) if c else "-" for c in (mixed, per))
        lines.append(
            f"| {row['k']} | {row['generations']} | {seconds(mixed)} | {rate(mixed, row['tokens'])} | {seconds(per)} "
            f"| {rate(per, row['tokens'])} | {seconds(peer)} | {rate(peer, row['tokens'])} | {ratio(peer, mixed)} "
            f"| {ratio(peer, per)} | {ratio(per, mixed)} | {same} |"
        )
    setup = info["setup_s"]
    lines += ["", "Setup (not in the table): " + ", ".join(f"{k} {v:.1f} s" for k, v in setup.items()) + "."]
    if k1 := next((r for r in rows if r["k"] == 1), None):
        if k1.get(PER_ADAPTER):
            lines.append("At K = 1 the per-adapter column is the mixed run: with one adapter both take the same path.")
    if info.get("project_wheel_matches_tree") is False:
        lines.append("WARNING: the installed xtransfer-bench wheel was built from other sources than this tree.")
    return "\n".join(lines) + "\n"


def report(bench: Bench, tokenizer, out: Path) -> str:
    rows, records = summarise(bench, tokenizer)
    settings = {k: v for k, v in vars(bench.args).items()}
    data = {"settings": settings, **bench.info, "table": rows, "runs": records,
            "elapsed_s": round(time.perf_counter() - bench.started, 1)}
    out.mkdir(parents=True, exist_ok=True)
    (out / "multi_adapter.json").write_text(json.dumps(data, indent=2, default=str))
    text = markdown(rows, bench.info, bench.args)
    (out / "multi_adapter.md").write_text(text)
    return text


def main(argv: list[str] | None = None) -> None:
    started = time.perf_counter()
    args = parse_args(argv)
    workdir, out = Path(args.workdir), Path(args.out)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    setup: dict[str, float] = {}
    info: dict = {"setup_s": setup}
    if args.wheels:
        install_wheels(Path(args.wheels), workdir / "site")
        setup["install wheels"] = time.perf_counter() - started
        sys.path.insert(1, str(HERE))
        from prepare_carry import stale_files

        stale = stale_files(workdir / "site")
        info["project_wheel_matches_tree"] = not stale
        if stale:
            print(f"WARNING: the carried xtransfer-bench wheel differs from this tree ({', '.join(stale[:5])}); "
                  "rerun benchmarks/gpu/prepare_carry.py", flush=True)

    import torch

    from xtransfer_bench.task_files import TASKS_DIR

    info["environment"] = versions(args.device)
    print(json.dumps(info["environment"]), flush=True)
    env = dict(os.environ, XTRANSFER_DATA_DIR=str(workdir / "data"), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false", PYTHONUNBUFFERED="1")
    tick = time.perf_counter()
    warm_up(env, out)
    setup["warm-up imports"] = time.perf_counter() - tick
    tick = time.perf_counter()
    tasks = write_data_root(workdir / "data", args.prompts)
    tokenizer_dir = Path(args.tokenizer) if args.tokenizer else CARRY / "tokenizer"
    if not (tokenizer_dir / "tokenizer.json").is_file() and not args.tokenizer:
        from xtransfer_bench.default_model import default_model_path

        tokenizer_dir = default_model_path()
    tokenizer = load_tokenizer(tokenizer_dir)
    model_dir = workdir / "model"
    model = build_model(model_dir, tokenizer, GEOMETRY["tiny" if args.tiny else "full"], args.device, args.dtype)
    info["parameters"] = sum(p.numel() for p in model.parameters())
    setup["build model"] = time.perf_counter() - tick
    tick = time.perf_counter()
    adapters = build_adapters(model, model_dir, workdir / "adapters", max(args.ks))
    del model
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    setup["build adapters"] = time.perf_counter() - tick

    info["tasks"] = tasks

    bench = Bench(args, started)
    bench.info = info
    names = [f"l{i}" for i in range(len(adapters))]
    common = ["--tasks", ",".join(tasks), "--device", args.device, "--batch_size", str(args.batch_size),
              "--apply_chat_template", "--gen_kwargs", f"max_gen_toks={args.new_tokens}", "--log_samples"]

    def xtransfer(k: int, mix: bool) -> None:
        spec = ";".join(f"{name}:{path}" for name, path in zip(names[:k], adapters[:k]))
        label = MIXED if mix else PER_ADAPTER
        run_dir = workdir / "runs" / f"{'mixed' if mix else 'per-adapter'}-k{k}"
        bench.run(label, k, [sys.executable, "-m", "xtransfer_bench.cli", "eval", "--model", "xtransfer-hf",
                             "--model_args", f"pretrained={model_dir},adapters={spec},include_base=false,"
                             f"mix_adapters={str(mix).lower()},dtype={args.dtype}",
                             *common, "--output_path", str(run_dir)], run_dir, env, names[:k])

    def lm_eval_run(index: int) -> dict | None:
        run_dir = workdir / "runs" / f"lm-eval-{index}"
        return bench.run(LM_EVAL, index + 1, [sys.executable, "-m", "lm_eval", "--model", "hf", "--model_args",
                                              f"pretrained={model_dir},peft={adapters[index]},dtype={args.dtype}",
                                              "--include_path", str(TASKS_DIR), *common, "--output_path", str(run_dir)],
                         run_dir, env, [names[index]])

    peer_runs, peers_broken = 0, False

    def more_peers(up_to: int) -> None:
        # None after the first failed or cut run: the next would end the same way.
        nonlocal peer_runs, peers_broken
        while peer_runs < up_to and not peers_broken:
            record = lm_eval_run(peer_runs)
            if record is None:
                return
            peer_runs += 1
            peers_broken = record["status"] != "ok"
            report(bench, tokenizer, out)

    for k in sorted(args.ks):
        if k > 1:
            xtransfer(k, mix=False)
            report(bench, tokenizer, out)
        xtransfer(k, mix=True)
        report(bench, tokenizer, out)
        more_peers(min(k, args.lm_eval_runs))
    # Time left: measure more of the K sequential runs instead of extrapolating.
    durations = [r["seconds"] for r in bench.runs if r["label"] == LM_EVAL and r["status"] == "ok"]
    while durations and peer_runs < max(args.ks) and bench.left() > 1.5 * max(durations):
        before = peer_runs
        more_peers(peer_runs + 1)
        if peer_runs == before:
            break
    text = report(bench, tokenizer, out)
    print(text, flush=True)
    print(f"written to {out}: multi_adapter.json, multi_adapter.md ({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
