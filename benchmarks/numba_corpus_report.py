"""The Numba-idiom corpus, one line per function: correct, refused (with the
located message and its hint), crashed or wrong.

    python benchmarks/numba_corpus_report.py [python|cpu]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_numba_corpus import report, run_corpus  # noqa: E402

if __name__ == "__main__":
    print(report(run_corpus(sys.argv[1] if len(sys.argv) > 1 else "python")))
