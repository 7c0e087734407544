"""Data loaders: public hub copies by default, local files when
`XTRANSFER_DATA_DIR` points at an offline data root (one folder per benchmark,
in the layouts of data.paths.LAYOUT)."""

from xtransfer_bench.data.paths import DATA_DIR_ENV, DataNotFoundError, local_benchmark_dir

__all__ = ["DATA_DIR_ENV", "DataNotFoundError", "local_benchmark_dir"]
