"""Many runs: seeds and chunks, executors (in-process, pool, Dask), statistics, Results and progress."""
from simulator.montecarlo.runner import (DEFAULT_MAX_RUNS, LOST_CHUNK_ATTEMPTS, MIN_CHUNK_SECONDS, TARGET_CHUNK_SECONDS,
                                         NotEnoughMemory, available_memory, chunk_size, local_cluster,
                                         memory_per_run, process_pool, run_chunk, simulate, stop_pool)

__all__ = ["DEFAULT_MAX_RUNS", "LOST_CHUNK_ATTEMPTS", "MIN_CHUNK_SECONDS", "TARGET_CHUNK_SECONDS", "NotEnoughMemory",
           "available_memory", "chunk_size", "local_cluster", "memory_per_run", "process_pool", "run_chunk", "simulate",
           "stop_pool"]
