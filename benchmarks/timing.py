"""Timing, and peak memory, shared by the benchmarks."""

import gc
import time


def interleaved(calls: dict, repeat: int) -> dict:
    """The best time of each call, the calls taking turns round by round: on a
    shared machine a slow spell then slows every call alike instead of one,
    which keeps the ratios between them honest.  ``calls``: label -> (fn, args)."""
    for fn, args in calls.values():
        fn(*args)  # warm-up / compile
    times: dict = {label: [] for label in calls}
    for _ in range(repeat):
        for label, (fn, args) in calls.items():
            t0 = time.perf_counter()
            fn(*args)
            times[label].append(time.perf_counter() - t0)
    return {label: min(t) for label, t in times.items()}


def interleaved_stats(calls: dict, repeat: int) -> dict:
    """As ``interleaved``, with the median beside the best: label -> (min, median) in seconds."""
    import statistics

    for fn, args in calls.values():
        fn(*args)
    times: dict = {label: [] for label in calls}
    for _ in range(repeat):
        for label, (fn, args) in calls.items():
            t0 = time.perf_counter()
            fn(*args)
            times[label].append(time.perf_counter() - t0)
    return {label: (min(t), statistics.median(t)) for label, t in times.items()}


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def peak_bytes_added(call, args) -> int:
    """The peak bytes one call of ``call(*args)`` adds to the process (its
    outputs, kept alive until the peak is read, tapes and scratch): Linux's
    peak-RSS mark reset (``echo 5 > /proc/self/clear_refs``, Linux >= 4.0),
    then read back from ``VmHWM``.  Make a warm-up call first (compilation,
    caches); run with ``MALLOC_MMAP_THRESHOLD_=65536`` so that glibc maps each
    large array afresh instead of reusing heap the warm-up freed."""
    gc.collect()
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # VmHWM := VmRSS
    before = _status_kib("VmHWM")
    out = call(*args)
    added = (_status_kib("VmHWM") - before) * 1024
    del out
    return added
