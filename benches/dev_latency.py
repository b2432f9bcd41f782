#!/usr/bin/env python3
"""Benchmark (not a test): how long after saving a one-line change `scaffold dev` answers an
RPC with the new code, paired with its floor, in one run.

  dev    the change saved in the repo `scaffold dev` watches; timed until `profile_echo`
         answers with the changed string
  floor  the same one-line change in a copy of the repo: a warm
         `go build -trimpath -buildmode=plugin` with the release's Go (the same Go build cache
         as dev's), then a server restart: the running floor server stopped (SIGTERM) and the
         same Nakama binary started with dev's own arguments on other ports, with the new
         plugin, timed until the RPC answers with the changed string

The two alternate (dev, floor, dev, floor, ...) after one unmeasured warm-up round, and the
ratio of the medians is the figure docs/speed.md quotes (the goal: dev within 1.3x its floor).

Usage: python3 benches/dev_latency.py [ROUNDS]      (default 10)
Env:   SCAFFOLD_BIN (default: the debug build, scripts/scaffold-bin.sh),
       XDG_CACHE_HOME (default: target/dev-cache, where tests/it/dev.rs keeps the built server,
       so a warm machine starts in seconds).
Needs what `scaffold dev` needs (Go, gcc, PostgreSQL server binaries). Everything it starts is
stopped, and its temp folder removed, at the end.
"""

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def scaffold_bin():
    if os.environ.get("SCAFFOLD_BIN"):
        return os.environ["SCAFFOLD_BIN"]
    return subprocess.check_output(
        ["bash", os.path.join(ROOT, "scripts/scaffold-bin.sh"), "debug"], text=True
    ).strip()


def free_block(n):
    """The first of n consecutive free ports."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        ok = True
        for p in range(base, base + n):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok and base + n < 65535:
            return base
    raise SystemExit("no free ports")


def echo(port, timeout=2.0):
    """The profile_echo RPC's answer (its "rpc" field), or None."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v2/rpc/profile_echo?http_key=defaulthttpkey&unwrap",
        data=b'{"n":1}',
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read()).get("rpc")
    except Exception:
        return None


def wait_answer(port, want, limit=120.0):
    """Polls every 10 ms until the RPC says `want`; the time it did."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if echo(port, timeout=1.0) == want:
            return time.monotonic()
        time.sleep(0.01)
    raise SystemExit(f"no answer {want!r} on port {port} within {limit}s")


LINE = re.compile(r'return echo\("[^"]*", payload\)')


def edit(repo, marker):
    """The one-line change: the string profile_echo answers with."""
    path = os.path.join(repo, "profile/profile.go")
    with open(path) as f:
        text = f.read()
    new, n = LINE.subn(f'return echo("{marker}", payload)', text, count=1)
    assert n == 1, "the edited line is not in profile/profile.go"
    with open(path, "w") as f:
        f.write(new)


class Dev:
    """A running `scaffold dev`, its output collected."""

    def __init__(self, repo, port, env):
        self.proc = subprocess.Popen(
            [scaffold_bin(), "dev", "--port", str(port)],
            cwd=repo,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait(self, pred, what, limit):
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if pred(self.lines):
                return
            if self.proc.poll() is not None:
                raise SystemExit(f"scaffold dev exited before {what}:\n" + "\n".join(self.lines[-30:]))
            time.sleep(0.02)
        raise SystemExit(f"timed out waiting for {what}:\n" + "\n".join(self.lines[-30:]))

    def readies(self):
        return sum(1 for l in self.lines if "Ready " in l)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    env = dict(os.environ)
    env.setdefault("XDG_CACHE_HOME", os.path.join(ROOT, "target/dev-cache"))
    env["NO_COLOR"] = "1"
    work = tempfile.mkdtemp(prefix="scaffold-dev-bench.")
    dev = floor_server = None
    try:
        repo = os.path.join(work, "game")
        subprocess.run([scaffold_bin(), "new", repo, "--yes", "--no-git", "--quiet"], check=True, env=env)
        copy = os.path.join(work, "floor")
        shutil.copytree(repo, copy)
        dev_port = free_block(4) + 2
        dev = Dev(repo, dev_port, env)
        dev.wait(lambda ls: any("Ready " in l for l in ls), "the first Ready", 1800)
        text = "\n".join(dev.lines)
        go = "go" + re.search(r"Go (\d+\.\d+(?:\.\d+)?)\)", text).group(1)
        pid = int(re.search(r"Started nakama \(pid (\d+)\)", text).group(1))
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [a.decode() for a in f.read().split(b"\0") if a]

        # The floor's server: dev's own command line, on other ports, with its own plugin
        # and data folders.
        floor_port = free_block(4) + 2
        modules = os.path.join(work, "floor-modules")
        data = os.path.join(work, "floor-data")
        os.makedirs(modules)
        os.makedirs(data)
        swap = {
            "--runtime.path": modules,
            "--data_dir": data,
            "--socket.port": str(floor_port),
            "--console.port": str(floor_port + 1),
        }
        floor_argv = [argv[0]]
        it = iter(argv[1:])
        for a in it:
            floor_argv.append(a)
            if a in swap:
                next(it)
                floor_argv.append(swap[a])
        go_env = dict(env, GOTOOLCHAIN=go, CGO_ENABLED="1", GOFLAGS="-buildvcs=false")

        def floor(marker):
            nonlocal floor_server
            edit(copy, marker)
            start = time.monotonic()
            subprocess.run(
                ["go", "build", "-trimpath", "-buildmode=plugin", "-o",
                 os.path.join(work, "floor.so"), "."],
                cwd=copy, env=go_env, check=True,
            )
            built = time.monotonic()
            if floor_server is not None:
                floor_server.send_signal(signal.SIGTERM)
                floor_server.wait(30)
            # A rename into place, as dev installs its plugin.
            os.replace(os.path.join(work, "floor.so"), os.path.join(modules, "backend.so"))
            floor_server = subprocess.Popen(
                floor_argv, cwd=copy, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            done = wait_answer(floor_port, marker)
            return done - start, built - start

        def dev_round(marker):
            readies = dev.readies()
            edit(repo, marker)
            start = time.monotonic()
            done = wait_answer(dev_port, marker)
            # Let dev finish printing this restart before the next save.
            dev.wait(lambda ls: sum(1 for l in ls if "Ready " in l) > readies, "the Ready line", 60)
            return done - start

        # Warm-up: the copy's packages into the build cache, both servers up.
        floor("warm_floor")
        dev_round("warm_dev")
        pairs = []
        print(f"{'round':<6} {'dev':>8} {'floor':>8} {'(build':>8} {'restart)':>9} {'ratio':>6}")
        for i in range(1, rounds + 1):
            d = dev_round(f"dev_{i}")
            f, b = floor(f"floor_{i}")
            pairs.append((d, f, b))
            print(f"{i:<6} {d:>7.3f}s {f:>7.3f}s {b:>7.3f}s {f - b:>8.3f}s {d / f:>6.2f}")
        dm = statistics.median(p[0] for p in pairs)
        fm = statistics.median(p[1] for p in pairs)
        bm = statistics.median(p[2] for p in pairs)
        rm = statistics.median(p[0] / p[1] for p in pairs)
        print(f"median dev {dm:.3f}s, floor {fm:.3f}s (warm go build {bm:.3f}s + restart "
              f"{fm - bm:.3f}s): dev / floor = {dm / fm:.2f} (median of the pairs' ratios {rm:.2f})")
    finally:
        if floor_server is not None and floor_server.poll() is None:
            floor_server.send_signal(signal.SIGTERM)
            try:
                floor_server.wait(30)
            except subprocess.TimeoutExpired:
                floor_server.kill()
        if dev is not None:
            dev.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
