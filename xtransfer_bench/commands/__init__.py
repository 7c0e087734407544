"""One module per `xtransfer-bench` subcommand.

Each module has NAME, `add_arguments(subparsers)` (adds its subparser, with
help text and examples) and `run(args) -> int`; optionally `run_raw(argv)`
when another parser reads its arguments (eval: lm-eval's) and
`take_unknown(args, unknown)` when it accepts arguments argparse cannot place
(train: key=value after an option). `xtransfer_bench.cli` assembles them in
the order of MODULES; adding a command is adding a module and a name here.
"""

MODULES = (
    "tasks_path",
    "fixtures_path",
    "install_tasks",
    "uninstall_tasks",
    "install_comet",
    "default_model",
    "eval",
    "score",
    "train",
    "merge",
    "align_eval",
    "leaderboard",
    "compare",
    "report",
    "demo",
)
