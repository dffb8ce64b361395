"""Load on loopback with wrk (Debian's package): a C load generator, so that the client takes
little of the two cores the servers need, and every page is driven by the same tool."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.wire import ACCEPT_ENCODING

LUA = Path(__file__).resolve().with_name("lua")


@dataclass(frozen=True)
class Settings:
    seconds: float
    warmup_seconds: float
    threads: int
    connections: int
    # Every page is measured once per round, in turn, so that a change in the machine's other
    # load during the run touches every page alike; ratios are taken within a round.
    rounds: int


def number(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def settings_from_environment() -> Settings:
    return Settings(
        seconds=number("BENCH_SECONDS", 3),
        warmup_seconds=number("BENCH_WARMUP_SECONDS", 1),
        threads=int(number("BENCH_THREADS", 2)),
        connections=int(number("BENCH_CONNECTIONS", 8)),
        rounds=int(number("BENCH_ROUNDS", 3)),
    )


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    bytes: int
    socket_errors: int
    # Answers with a status of 400 or more.
    status_errors: int
    p50_ms: float
    p99_ms: float
    # First-visit sessions used more than once (the prepared ones ran out).
    reused: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def bytes_per_answer(self) -> float:
        return self.bytes / max(self.requests, 1)


def wrk_version() -> str:
    if shutil.which("wrk") is None:
        raise RuntimeError("make bench needs wrk: apt-get install -y wrk")
    result = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
    first = (result.stdout or result.stderr).splitlines()
    return first[0].split(" [")[0] if first else "wrk"


def script(tmp: Path, *, first_visit: bool) -> Path:
    """report.lua, followed by first_visit.lua for first visits."""
    parts = ["report.lua", *(["first_visit.lua"] if first_visit else [])]
    path = tmp / ("first_visit.lua" if first_visit else "report.lua")
    path.write_text("\n".join((LUA / part).read_text() for part in parts))
    return path


def run(
    url: str,
    *,
    seconds: float,
    settings: Settings,
    lua: Path,
    headers: dict[str, str] | None = None,
    lua_args: tuple[str, ...] = (),
) -> Load:
    command = [
        "wrk",
        f"--threads={settings.threads}",
        f"--connections={settings.connections}",
        f"--duration={seconds:g}s",
        "--timeout=10s",
        f"--script={lua}",
        "--header",
        f"Accept-Encoding: {ACCEPT_ENCODING}",
    ]
    for name, value in (headers or {}).items():
        command += ["--header", f"{name}: {value}"]
    command += [url, "--", *lua_args]
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed on {url}:\n{result.stdout}\n{result.stderr}")
    data = json.loads(lines[-1].removeprefix("BENCH "))
    return Load(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        bytes=data["bytes"],
        socket_errors=data["socket_errors"],
        status_errors=data["status_errors"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        reused=data["reused"],
    )
