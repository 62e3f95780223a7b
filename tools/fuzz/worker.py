"""The checker in a child process: one JSON request per line on stdin, one
JSON result per line on the original stdout (anything the checked code
prints goes to stderr).  ``Worker`` in the parent kills and restarts it when a
program passes its time limit (a ``hang``) or the process dies (a ``crash``)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _json_default(o):
    try:
        return float(o)
    except (TypeError, ValueError):
        return str(o)


def serve() -> None:
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    from tools.fuzz.check import check

    for line in sys.stdin:
        req = json.loads(line)
        try:
            res = check(req["program"], req.get("target", "python"), cli=req.get("cli", False),
                        only_point=req.get("only_point"), kinks=req.get("kinks"),
                        standalone=req.get("standalone", True))
        except BaseException as e:  # noqa: BLE001  (a bug of the checker itself: report it, go on)
            res = {"status": "failure", "refusal": None, "stats": {},
                   "failures": [{"cls": f"checker-error:{type(e).__name__}", "stage": "checker",
                                 "message": str(e)[:300], "point": None,
                                 "traceback": traceback.format_exc()[-4000:]}]}
        out.write(json.dumps(res, default=_json_default) + "\n")
        out.flush()


class Worker:
    """A persistent checker process with a per-request time limit."""

    def __init__(self, log_path: str | os.PathLike, env: dict | None = None):
        self.log_path = Path(log_path)
        self.env = dict(os.environ if env is None else env)
        self.env["PYTHONPATH"] = str(ROOT) + os.pathsep + self.env.get("PYTHONPATH", "")
        self.proc = None
        self.restarts = 0

    def start(self) -> None:
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen([sys.executable, "-m", "tools.fuzz.worker"], cwd=str(ROOT),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                     env=self.env, start_new_session=True)
        self.buf = b""

    def stop(self) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
            self.proc = None
            self.log.close()

    def run(self, req: dict, timeout: float) -> dict:
        if self.proc is None:
            self.start()
        size_before = self.log_path.stat().st_size if self.log_path.exists() else 0
        try:
            self.proc.stdin.write((json.dumps(req) + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                self.restarts += 1
                return {"status": "failure", "refusal": None, "stats": {},
                        "failures": [{"cls": "hang", "stage": "any", "point": None,
                                      "message": f"no result within {timeout:g} s"}]}
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 1 << 16)
                if not chunk:  # the worker died
                    code = self.proc.poll()
                    self.stop()
                    self.restarts += 1
                    tail = self.log_path.read_text()[size_before:][-3000:] if self.log_path.exists() else ""
                    return {"status": "failure", "refusal": None, "stats": {},
                            "failures": [{"cls": "crash", "stage": "any", "point": None,
                                          "message": f"the checker process died (exit {code})",
                                          "traceback": tail}]}
                self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)


if __name__ == "__main__":
    serve()
