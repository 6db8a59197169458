"""The corpus engine: many conversations, streamed, on one process, a pool or a Dask cluster.

``run_corpus(RunConfig(data, out, measures=...))`` cuts the input into partitions (by
conversation), maps every chosen measure family over each partition on the chosen engine
(``local``, ``processes`` or ``dask``), merges the partials with ``powerlens.measures.fold``
and writes Parquet tables and a manifest. ``docs/corpus.md`` describes the outputs.
"""

from powerlens.corpus.executors import ENGINES, Executor, LocalExecutor, make_executor
from powerlens.corpus.partitions import Partition, inputs, plan
from powerlens.corpus.run import RunConfig, run_corpus
from powerlens.corpus.tables import compare

__all__ = [
    "ENGINES",
    "Executor",
    "LocalExecutor",
    "Partition",
    "RunConfig",
    "compare",
    "inputs",
    "make_executor",
    "plan",
    "run_corpus",
]
