"""A room of students on one laptop: N dashboard sessions stepping together against one ``escalation demo``.

Starts ``escalation demo`` (classroom scenario) on a free port of 127.0.0.1 and opens ``--sessions``
sessions to it as websocket clients that speak the page's own protocol (the Jupyter widget messages
Solara's front end sends): each session loads the page, then presses the right arrow ``--months``
times, one press after the other; a press's latency is the time from sending the key until the
server has sent every chart's rows for that month (the four charts' ``stamp``). The clients draw
nothing, so the numbers are the server's: what 30 browsers would ask of the instructor's laptop.
Meanwhile the server's memory (resident set of its process tree) is sampled; the line printed is

    30 sessions x 10 months: step p50 N ms, p95 N ms, max N ms; server peak memory N MB (N s)

Bounded: at most 100 sessions, at most ``--timeout`` seconds in all; listens and connects on 127.0.0.1.

    python benchmarks/dashboard_load.py [--sessions 30] [--months 10] [--repeat 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

MAX_SESSIONS = 100
HOST = "127.0.0.1"
CHARTS = 4  # rung, threat, map, alliance


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _tree_rss(pid: int) -> int:
    """Resident memory in bytes of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
        todo += children.get(p, [])
    return total


def _sampler(pid: int) -> tuple[list[int], threading.Event]:
    """A daemon thread sampling the resident memory of the server's process tree; (peak bytes, stop)."""
    peak, done = [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], _tree_rss(pid))

    threading.Thread(target=sample, daemon=True).start()
    return peak, done


def _message(msg_type: str, content: dict, session: str) -> str:
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session, "username": "", "version": "5.3",
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ")}  # fmt: skip
    return json.dumps(
        {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []}
    )


def _decode(raw: str | bytes) -> dict:
    if isinstance(raw, str):
        return json.loads(raw)
    (n,) = struct.unpack("!I", raw[:4])  # Jupyter's binary websocket framing: offsets, then the JSON
    offsets = struct.unpack(f"!{n}I", raw[4 : 4 + 4 * n])
    end = offsets[1] if n > 1 else len(raw)
    return json.loads(raw[offsets[0] : end].decode("utf-8"))


class Session:
    """One student's page: loads it over the websocket, then presses the right arrow and times each month."""

    def __init__(self, url: str, cookie: str) -> None:
        self.url, self.cookie = url, cookie
        self.session = uuid.uuid4().hex
        self.keys = None  # the comm id of the page's keyboard widget
        self.charts: set[str] = set()
        self.stamps: dict[str, str] = {}
        self.finished = asyncio.Event()
        self.latencies: list[float] = []

    async def listen(self, ws) -> None:
        """Keep the page's widgets' ids and each chart's last stamp from what the server sends."""
        async for raw in ws:
            msg = _decode(raw)
            kind, content = msg.get("msg_type") or msg["header"]["msg_type"], msg.get("content", {})
            if kind == "comm_open":
                state = content.get("data", {}).get("state", {})
                if "escalation-keys" in str(state.get("template", "")):
                    self.keys = content["comm_id"]
                if "chart_class" in state:
                    self.charts.add(content["comm_id"])
                    self.stamps[content["comm_id"]] = state.get("stamp", "")
            elif kind == "comm_msg":
                data = content.get("data", {})
                if data.get("method") == "finished":
                    self.finished.set()
                state = data.get("state", {})
                if "stamp" in state:
                    self.stamps[content["comm_id"]] = state["stamp"]
                    self.charts.add(content["comm_id"])

    async def run(self, months: int, start: asyncio.Event) -> None:
        """Load the page, wait for the room, then press the right arrow ``months`` times, timing each."""
        import websockets

        kernel, page = uuid.uuid4(), uuid.uuid4()
        ws_url = f"ws://{self.url.split('://', 1)[1]}/jupyter/api/kernels/{kernel}/channels?session_id={page}"
        async with websockets.connect(ws_url, additional_headers={"Cookie": self.cookie}, max_size=2**26) as ws:
            listener = asyncio.create_task(self.listen(ws))
            control = uuid.uuid4().hex
            await ws.send(_message("comm_open", {"comm_id": control, "target_name": "solara.control", "data": {}},
                                   self.session))  # fmt: skip
            run = {"method": "run", "args": {"path": "", "appName": "__default__"}}
            await ws.send(_message("comm_msg", {"comm_id": control, "data": run}, self.session))
            await self.finished.wait()
            while self.keys is None or len(self.charts) < CHARTS:
                await asyncio.sleep(0.05)
            await start.wait()  # every session is loaded: the room presses together
            for month in range(1, months + 1):
                t0 = time.perf_counter()
                press = {"method": "custom", "content": {"event": "key", "data": "step"}}
                await ws.send(_message("comm_msg", {"comm_id": self.keys, "data": press}, self.session))
                while sum(self.stamps.get(c) == str(month) for c in self.charts) < CHARTS:
                    await asyncio.sleep(0.002)
                self.latencies.append(time.perf_counter() - t0)
            listener.cancel()


async def _room(url: str, cookie: str, sessions: int, months: int) -> list[float]:
    room = [Session(url, cookie) for _ in range(sessions)]
    start = asyncio.Event()
    tasks = [asyncio.create_task(s.run(months, start)) for s in room]
    while sum(s.keys is not None and len(s.charts) >= CHARTS for s in room) < sessions:
        for t in tasks:
            if t.done() and t.exception():
                raise t.exception()
        await asyncio.sleep(0.1)
    start.set()
    await asyncio.gather(*tasks)
    return [x for s in room for x in s.latencies]


def measure(sessions: int, months: int, timeout: float) -> str:
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "simulation.cli",
        "demo",
        "--scenario",
        "classroom",
        "--port",
        str(port),
        "--host",
        HOST,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://{HOST}:{port}"
    sampling = None
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    cookie = "; ".join(c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or [])
                break
            except OSError:
                time.sleep(0.2)
        peak, sampling = _sampler(proc.pid)  # from the first answer on: the room's memory, not the start-up's
        t0 = time.perf_counter()
        times = asyncio.run(asyncio.wait_for(_room(url, cookie, sessions, months), timeout))
        took = time.perf_counter() - t0
    finally:
        if sampling is not None:
            sampling.set()
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    q = statistics.quantiles(times, n=20, method="inclusive")
    return (
        f"{sessions} sessions x {months} months: step p50 {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {q[18] * 1000:.0f} ms, max {max(times) * 1000:.0f} ms; server peak memory {peak[0] / 2**20:.0f} MB "
        f"({took:.0f} s)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--months", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=1, help="measure this many times (the machine may be shared)")
    ap.add_argument("--timeout", type=float, default=600, help="give up after this many seconds (default 600)")
    a = ap.parse_args()
    if not 1 <= a.sessions <= MAX_SESSIONS:
        ap.error(f"--sessions: 1 to {MAX_SESSIONS}")
    for _ in range(a.repeat):
        print(measure(a.sessions, a.months, a.timeout), flush=True)


if __name__ == "__main__":
    main()
