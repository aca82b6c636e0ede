"""Benchmark the bot's slash commands end to end, through the real discord.py client.

An index of ~10k synthetic documents (bench/synthetic.py) is built once; the fake Discord
(tests/fake_discord) serves from its own thread as the real one would from far away;
the real bot connects to it. We report:

* bot start -> ready (the index already exists), first start (commands synced) and a
  restart (command set unchanged, nothing synced);
* latency from injecting a slash command on the gateway to the bot's answer arriving at
  the server (the interaction callback; for a deferred answer, the follow-up replacing
  "thinking..."), for N commands one at a time and in concurrent bursts.

Targets: p95 <= 100 ms, ready <= 2 s with an existing index.

    .venv/bin/python bench/bench_commands.py [--docs 10000] [--commands 300] [--burst 20]
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for extra in (REPO, REPO / "tests", REPO / "bench"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from fake_discord import FakeDiscordThread  # noqa: E402

from bot.app import BpfBot  # noqa: E402
from bot.config import Config  # noqa: E402
from index import IndexStore  # noqa: E402

READY_TARGET = 2.0
P95_TARGET_MS = 100.0

QUERIES = [
    "sockmap", "verifier", "xdp redirect", "author:borkmann", "tree:bpf-next", "kind:slides xdp",
    "date:2017-05..2017-06", "landlock", "btf", "map", "jit", "cgroup", "tracepoint",
    "\"generic xdp\"", "selftests", "helper", "perf event", "sockm*", "kind:talks",
    "tree:net-next verifier", "lpm trie", "xdp OR tc", "offload", "bpftool",
]


# ----------------------------------------------------------------------------- archive


def generate(out_dir: Path, documents: int) -> list[Path]:
    """Write the synthetic archive (bench/synthetic.py); returns the issue files' folder."""
    import synthetic

    archive = synthetic.generate_archive(out_dir, documents, seed=0)
    return [archive.issue_dir]


def build_index(data_dir: Path, sources: list[Path]) -> tuple[int, float]:
    """Build (or reuse) the index; returns (documents, seconds spent building)."""
    store = IndexStore(data_dir)
    try:
        started = time.perf_counter()
        report = store.ensure(sources)
        seconds = time.perf_counter() - started
        documents = report.documents if report else store.stats().documents
        return documents, seconds if report else 0.0
    finally:
        store.close()


# ----------------------------------------------------------------------------- commands


def command_mix(store: IndexStore, count: int, seed: int = 1) -> list[tuple[str, dict[str, Any]]]:
    """`count` realistic slash commands: mostly searches, some filtered patches, topics,
    issue cards."""
    rng = random.Random(seed)
    authors = store.authors()[:30]
    trees = store.trees()[:5]
    numbers = [s.number for s in store.issues() if s.number is not None]
    commands: list[tuple[str, dict[str, Any]]] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.5:
            commands.append(("search", {"query": rng.choice(QUERIES)}))
        elif roll < 0.7:
            options: dict[str, Any] = {"query": rng.choice(["xdp", "bpf", "verifier", "map"])}
            if authors and rng.random() < 0.6:
                options["author"] = rng.choice(authors)
            if trees and rng.random() < 0.4:
                options["tree"] = rng.choice(trees)
            commands.append(("patches", options))
        elif roll < 0.85:
            commands.append(("topics", {"query": rng.choice(["xdp", "bpf", "tracing", "cilium"])}))
        else:
            commands.append(("issue", {"number": rng.choice(numbers)} if numbers else {}))
    return commands


def timed_command(srv: FakeDiscordThread, name: str, options: dict[str, Any]) -> float:
    """Inject one slash command; seconds until its answer reached the server: the
    interaction callback carrying the reply, or for a deferred one (callback type 5,
    "thinking...") the follow-up that replaced the placeholder."""
    started = time.perf_counter()
    handle = srv.blocking.slash(name, options)
    callback = handle.response(timeout=10)
    if callback.type == 5:
        handle.original(timeout=10, predicate=lambda message: not message.loading)
    elif callback.type != 4:
        raise RuntimeError(f"/{name} {options}: unexpected callback {callback.type}")
    return time.perf_counter() - started


def run_direct(store: IndexStore, config: Config, commands: list[tuple[str, dict[str, Any]]]
               ) -> list[float]:
    """The same commands through `bot.answers` + `bot.render` only (no Discord): what
    the index and rendering cost, to tell apart from the chat round trip."""
    from bot import answers
    from bot.render import to_discord

    latencies = []
    for name, options in commands:
        started = time.perf_counter()
        if name == "issue":
            reply = answers.issue_card(store, options.get("number"), config)
        else:
            scope = {"search": "everything"}.get(name, name)
            query = options["query"]
            filters = {key: value for key, value in options.items() if key != "query"}
            reply = answers.search(store, query, scope=scope, **filters)
        to_discord(reply)
        latencies.append(time.perf_counter() - started)
    return latencies


def run_sequential(srv: FakeDiscordThread, commands: list[tuple[str, dict[str, Any]]]
                   ) -> dict[str, list[float]]:
    by_name: dict[str, list[float]] = defaultdict(list)
    for name, options in commands:
        by_name[name].append(timed_command(srv, name, options))
    return by_name


def run_bursts(srv: FakeDiscordThread, commands: list[tuple[str, dict[str, Any]]],
               burst: int) -> list[float]:
    latencies: list[float] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=burst) as pool:
        for start in range(0, len(commands), burst):
            chunk = commands[start : start + burst]
            latencies += pool.map(lambda command: timed_command(srv, *command), chunk)
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def describe(label: str, seconds: list[float]) -> str:
    ms = [value * 1000 for value in seconds]
    return (
        f"  {label:<34} n={len(ms):<4} p50 {percentile(ms, 0.5):7.1f} ms   "
        f"p95 {percentile(ms, 0.95):7.1f} ms   max {max(ms):7.1f} ms   "
        f"mean {statistics.fmean(ms):7.1f} ms"
    )


# ----------------------------------------------------------------------------- the bot


async def start_bot(srv: FakeDiscordThread, data_dir: Path) -> tuple[BpfBot, asyncio.Task[None],
                                                                     float]:
    """Start the real bot (it opens the existing index itself); seconds until ready."""
    config = Config(
        token="fake-token",
        seeds_dir=REPO / "seeds",
        data_dir=data_dir,
        api_base=srv.api_base,
        gateway_url=srv.gateway_url,
    )
    bot = BpfBot(config)
    started = time.perf_counter()
    task = asyncio.create_task(bot.start("fake-token"))
    while not bot.is_ready():
        if task.done():
            task.result()
            raise RuntimeError("the bot stopped before it was ready")
        await asyncio.sleep(0.002)
    return bot, task, time.perf_counter() - started


async def stop_bot(bot: BpfBot, task: asyncio.Task[None]) -> None:
    await bot.close()
    await asyncio.wait({task}, timeout=5)


def start_bot_process(srv: FakeDiscordThread, data_dir: Path) -> subprocess.Popen[bytes]:
    """`python -m bot` in its own process (its own GIL, as in production), pointed at
    the fake; returns once it answers a command."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}
    env.update(srv.env())
    env.update(
        BOT_DATA_DIR=str(data_dir),
        BOT_SEEDS_DIR=str(REPO / "seeds"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    proc = subprocess.Popen([sys.executable, "-m", "bot", "--quiet"], env=env, cwd=REPO)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"python -m bot exited with {proc.returncode}")
        try:
            srv.blocking.wait_for_session(timeout=0.5)
            srv.blocking.slash("help").response(timeout=5)
            return proc
        except (AssertionError, TimeoutError):
            continue
    proc.kill()
    raise RuntimeError("python -m bot did not come up within 60 s")


async def measure_ready(srv: FakeDiscordThread, data_dir: Path) -> tuple[float, float]:
    """(first start with a command sync, restart with the command set unchanged), in s."""
    (data_dir / "commands.sha256").unlink(missing_ok=True)
    bot, task, first_ready = await start_bot(srv, data_dir)
    assert bot.synced == "global", bot.synced
    await stop_bot(bot, task)
    bot, task, ready = await start_bot(srv, data_dir)
    assert bot.synced == "unchanged", bot.synced
    await stop_bot(bot, task)
    return first_ready, ready


def measure_latency(srv: FakeDiscordThread, commands: list[tuple[str, dict[str, Any]]],
                    burst: int) -> tuple[dict[str, list[float]], list[float]]:
    run_sequential(srv, commands[:20])  # warm-up: searchers opened, caches filled
    return run_sequential(srv, commands), run_bursts(srv, commands, burst)


async def bench(args: argparse.Namespace) -> bool:
    work = Path(args.work_dir)
    data_dir = work / "data"
    print(f"archive: generating ~{args.docs} synthetic documents in {work / 'archive'} ...")
    started = time.perf_counter()
    sources = generate(work / "archive", args.docs)
    generated = time.perf_counter() - started
    documents, build_seconds = await asyncio.to_thread(build_index, data_dir, sources)
    built = f"built in {build_seconds:.1f} s" if build_seconds else "reused"
    print(f"archive: {documents} documents (generated in {generated:.1f} s); index {built}")

    store = IndexStore(data_dir)
    config = Config(data_dir=data_dir)
    commands = command_mix(store, args.commands)
    with FakeDiscordThread() as srv:
        first_ready, ready = await measure_ready(srv, data_dir)
        if args.bot == "process":
            proc = await asyncio.to_thread(start_bot_process, srv, data_dir)
            try:
                sequential, bursts = await asyncio.to_thread(
                    measure_latency, srv, commands, args.burst
                )
            finally:
                proc.terminate()
                await asyncio.to_thread(proc.wait, 10)
        else:
            bot, task, _ = await start_bot(srv, data_dir)
            try:
                sequential, bursts = await asyncio.to_thread(
                    measure_latency, srv, commands, args.burst
                )
            finally:
                await stop_bot(bot, task)
    direct = run_direct(store, config, commands)
    store.close()

    all_sequential = [value for values in sequential.values() for value in values]
    print()
    print("bot start -> ready (existing index, bot in this process):")
    print(f"  first start, commands synced       {first_ready:6.2f} s")
    print(f"  restart, command set unchanged     {ready:6.2f} s   "
          f"(target <= {READY_TARGET:.0f} s: {'OK' if ready <= READY_TARGET else 'MISSED'})")
    print()
    where = "python -m bot in its own process" if args.bot == "process" else "bot in this process"
    print(f"slash command: injection -> answer at the server ({where})")
    print(describe("all, one at a time", all_sequential))
    for name in sorted(sequential):
        print(describe(f"  /{name}", sequential[name]))
    print(describe(f"all, bursts of {args.burst} concurrent", bursts))
    print(describe("same commands without Discord", direct))
    print("  (bot.answers + bot.render only, no chat round trip: mostly the index's search)")
    p95 = percentile(all_sequential, 0.95) * 1000
    burst_p95 = percentile(bursts, 0.95) * 1000
    ok = p95 <= P95_TARGET_MS and ready <= READY_TARGET
    print()
    print(f"target p95 <= {P95_TARGET_MS:.0f} ms: one at a time {p95:.1f} ms "
          f"({'OK' if p95 <= P95_TARGET_MS else 'MISSED'}), bursts {burst_p95:.1f} ms "
          f"({'OK' if burst_p95 <= P95_TARGET_MS else 'over'})")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="synthetic documents")
    parser.add_argument("--commands", type=int, default=300, help="slash commands to time")
    parser.add_argument("--burst", type=int, default=20, help="concurrent commands per burst")
    parser.add_argument("--work-dir", default=str(REPO / "bench" / "out" / "commands"),
                        help="where the archive and index go (kept between runs)")
    parser.add_argument("--fresh", action="store_true", help="delete the work dir first")
    parser.add_argument("--bot", choices=("process", "inprocess"), default="process",
                        help="run the timed bot as `python -m bot` (default) or in this process")
    args = parser.parse_args(argv)
    if args.fresh:
        shutil.rmtree(args.work_dir, ignore_errors=True)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ok = asyncio.run(bench(args))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
