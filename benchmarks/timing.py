"""Timing shared by the benchmarks."""

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
