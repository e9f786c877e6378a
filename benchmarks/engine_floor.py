"""What no change that keeps every result can remove from a run: its random draws and its SimPy events.

A run index of a scenario (every strategy, ``run_strategies``) is run once
with numpy's generators and SimPy's environment watched, recording:
- every call on a ``numpy.random.Generator`` (method and arguments), and
  every ``SeedSequence``, ``PCG64`` and ``Generator`` made;
- every SimPy event processed (``Environment.step``).

Then the same work is timed on its own, in the same process: the recorded
draws replayed, in order, on fresh generators (the same methods with the
same sizes and parameters: the same work, other values), the same number
of streams seeded, and as many bare SimPy timeouts as events processed.
An engine that keeps every drawn value must make these draws, and one
that keeps SimPy for every wait must process these events, so their sum
is a floor under the time of a run index for any such engine on this
machine (numpy's call overhead included: a draw is one call).

Times are CPU time (``time.process_time``), medians of --repeats repetitions
of --runs run indices, printed next to the whole run index's time measured
in between.

Usage: python benchmarks/engine_floor.py [--runs N] [--repeats K] [SCENARIO]
"""
from __future__ import annotations

import argparse
import contextlib
import statistics
import time

import numpy as np
import simpy

import simulator
from simulator.engine import run_strategies

_Generator, _PCG64, _SeedSequence = np.random.Generator, np.random.PCG64, np.random.SeedSequence


class _Recording:
    """A Generator that notes each call (method, arguments) under its own number before making it."""

    def __init__(self, bits, log: list, number: int):
        self._generator, self._log, self._number = _Generator(bits), log, number

    def __getattr__(self, name):
        method = getattr(self._generator, name)
        if not callable(method):
            return method

        def call(*args, **kwargs):
            self._log.append((self._number, name, args, kwargs))
            return method(*args, **kwargs)
        return call


@contextlib.contextmanager
def _watched(log: list, made: dict, events: list):
    """numpy.random's Generator, PCG64 and SeedSequence and SimPy's step replaced by watching versions."""
    step = simpy.Environment.step

    def generator(bits):
        made["Generator"] += 1
        return _Recording(bits, log, made["Generator"])

    def bits(*args, **kwargs):
        made["PCG64"] += 1
        return _PCG64(*args, **kwargs)

    def sequence(*args, **kwargs):
        made["SeedSequence"] += 1
        return _SeedSequence(*args, **kwargs)

    def counted_step(self):
        events[0] += 1
        return step(self)

    np.random.Generator, np.random.PCG64, np.random.SeedSequence = generator, bits, sequence
    simpy.Environment.step = counted_step
    try:
        yield
    finally:
        np.random.Generator, np.random.PCG64, np.random.SeedSequence = _Generator, _PCG64, _SeedSequence
        simpy.Environment.step = step


def _record(scenario, runs: range) -> tuple[list, dict, int]:
    log: list = []
    made = {"Generator": 0, "PCG64": 0, "SeedSequence": 0}
    events = [0]
    with _watched(log, made, events):
        for run in runs:
            run_strategies(scenario, run)
    return log, made, events[0]


def _replay(log: list) -> float:
    """CPU seconds to make the recorded draws again, in order, each generator a fresh one."""
    generators: dict[int, np.random.Generator] = {}
    calls = [(generators.setdefault(number, _Generator(_PCG64(number))), name, args, kwargs)
             for number, name, args, kwargs in log]
    started = time.process_time()
    for generator, name, args, kwargs in calls:
        getattr(generator, name)(*args, **kwargs)
    return time.process_time() - started


def _seeding(made: dict) -> float:
    """CPU seconds to make as many SeedSequences, PCG64s from them and Generators as the run index made (a
    block's Generator wraps its stream's PCG64, made once)."""
    bits = _PCG64(0)
    started = time.process_time()
    for k in range(made["SeedSequence"]):
        sequence = _SeedSequence(entropy=12345, spawn_key=(k, 2 ** 31 + k, 3))
        if k < made["PCG64"]:
            _PCG64(sequence)
    for _ in range(made["Generator"]):
        _Generator(bits)
    return time.process_time() - started


def _bare_events(count: int) -> float:
    """CPU seconds for SimPy to process ``count`` bare timeouts, one process yielding them."""
    env = simpy.Environment()

    def clock():
        for _ in range(count):
            yield env.timeout(1)
    env.process(clock())
    started = time.process_time()
    env.run()
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=None)
    parser.add_argument("--runs", type=int, default=30, help="run indices per repetition")
    parser.add_argument("--repeats", type=int, default=5, help="repetitions; the median is shown")
    args = parser.parse_args()
    scenario = simulator.load_scenario(args.scenario)
    run_strategies(scenario, 0)   # warm up imports and caches
    figures: dict[str, list[float]] = {"run": [], "draws": [], "seeding": [], "events": []}
    for repeat in range(args.repeats):
        runs = range(repeat * args.runs, (repeat + 1) * args.runs)
        log, made, events = _record(scenario, runs)
        started = time.process_time()
        for run in runs:
            run_strategies(scenario, run)
        figures["run"].append((time.process_time() - started) / args.runs)
        figures["draws"].append(_replay(log) / args.runs)
        figures["seeding"].append(_seeding(made) / args.runs)
        figures["events"].append(_bare_events(events) / args.runs)
    ms = {name: statistics.median(values) * 1000 for name, values in figures.items()}
    floor = ms["draws"] + ms["seeding"] + ms["events"]
    print(f"scenario {scenario.name}: one run index (every strategy), CPU ms, medians of {args.repeats} x {args.runs}")
    print(f"  whole run index                            {ms['run']:7.2f} ms")
    print(f"  its random draws replayed ({len(log) / args.runs:5.0f} calls)      {ms['draws']:7.2f} ms"
          f"   {ms['draws'] / ms['run']:5.1%}")
    print(f"  its streams seeded ({made['SeedSequence'] / args.runs:4.0f} seed sequences)     {ms['seeding']:7.2f} ms"
          f"   {ms['seeding'] / ms['run']:5.1%}")
    print(f"  as many bare SimPy events ({events / args.runs:5.0f})          {ms['events']:7.2f} ms"
          f"   {ms['events'] / ms['run']:5.1%}")
    print(f"  floor for an engine that keeps every result {floor:7.2f} ms   {floor / ms['run']:5.1%}")


if __name__ == "__main__":
    main()
