#!/usr/bin/env python3
"""Reproduces the table of BENCHMARKS.md ("Performance issue: before and after, one run").

    python3 benches/reproduce.py [BASE]

builds this tree (`cargo build --release`) and, if BASE (a commit) is given, that commit too
(in a git worktree under target/reproduce/), then measures both binaries in the same run,
alternating, and prints one markdown table: every figure with its `before` (BASE) and
`after` (this tree). A figure the older binary cannot measure (a command it does not have)
is shown as "-". Needs python3, and valgrind for the instruction counts (skipped without it).
Figures other than instruction counts vary with the machine and its load: compare the two
columns of one run, not runs.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "reproduce")


def sh(args, **kw):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, **kw)


def build(rev):
    """The release binary of `rev` (None: this tree)."""
    if rev is None:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        return os.path.join(ROOT, "target", "release", "handoff")
    tree = os.path.join(WORK, "base")
    if os.path.isdir(tree):
        subprocess.run(["git", "worktree", "remove", "--force", tree], cwd=ROOT, check=False)
    subprocess.run(["git", "worktree", "add", "--detach", tree, rev], cwd=ROOT, check=True, capture_output=True)
    target = os.path.join(WORK, "base-target")
    subprocess.run(["cargo", "build", "--release", "--quiet", "--target-dir", target], cwd=tree, check=True)
    return os.path.join(target, "release", "handoff")


def instructions_per_handoff(binary):
    """Callgrind, two-agent ping-pong: (refs at 110,000 handoffs - refs at 10,000) / 100,000."""
    if shutil.which("valgrind") is None:
        return None
    refs = []
    for n in (10_000, 110_000):
        out = sh(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", binary,
                  "bench", "pingpong", "--runs", "1", "--handoffs", str(n)])
        refs.append(int(re.search(r"refs:\s+([\d,]+)", out.stderr).group(1).replace(",", "")))
    return (refs[1] - refs[0]) / 100_000


def json_of(binary, args):
    out = sh([binary] + args)
    if out.returncode not in (0, 1):
        return None
    try:
        return json.loads(out.stdout)
    except ValueError:
        return None


def timed(binary, args):
    """Wall seconds and peak KB of one whole process (GNU time's format)."""
    out = sh(["/usr/bin/time", "-f", "TIME %e %M", binary] + args)
    match = re.search(r"TIME ([\d.]+) (\d+)", out.stderr)
    return (float(match.group(1)), int(match.group(2))) if match else None


def big_design(path):
    """The 100,000-agent, 1,000,000-edge design of BENCHMARKS.md's graph analysis section."""
    n, per, state, mask = 100000, 10, 0x9E3779B97F4A7C15, (1 << 64) - 1
    agents = [{"name": f"Agent{i}", "description": "" if i % 1000 == 999 else f"Handles topic {i}."} for i in range(n)]
    handoffs = {}
    for s in range(n):
        targets = []
        while len(targets) < per:
            state ^= (state << 13) & mask
            state ^= state >> 7
            state ^= (state << 17) & mask
            if state % n != s and state % n not in targets:
                targets.append(state % n)
        handoffs[f"Agent{s}"] = {f"Agent{t}": (None if k == 0 else f"Transfer for topic {t}") for k, t in enumerate(targets)}
    with open(path, "w") as f:
        json.dump({"name": "big", "agents": agents, "handoffs": handoffs}, f)


def measure(binary, big):
    m = {}
    m["instr"] = instructions_per_handoff(binary)
    runs = [json_of(binary, ["bench", "pingpong", "--handoffs", "1000000", "--runs", "5", "--format", "json"])
            for _ in range(3)]
    m["pingpong"] = sorted(r["micros_per_handoff"] for r in runs if r)
    m["pingpong_peak"] = max((r["peak_memory_bytes"] or 0) for r in runs if r) / 1048576 if any(runs) else None
    scenario = json_of(binary, ["bench", "scenarios/customer_support.json", "--runs", "1000", "--format", "json"])
    m["scenario"] = scenario
    with tempfile.TemporaryDirectory() as regressions:
        fuzz = json_of(binary, ["fuzz", "scenarios/customer_support.json", "--cases", "100000", "--seed", "1",
                                "--jobs", "1", "--regressions", regressions, "--format", "json"])
    m["fuzz"] = fuzz
    found = []
    for seed in range(1, 11):
        with tempfile.TemporaryDirectory() as regressions:
            r = json_of(binary, ["fuzz", "scenarios/mixed_requests.json", "--cases", "1000", "--seed", str(seed),
                                 "--jobs", "1", "--regressions", regressions, "--format", "json"])
        found.append(r.get("cases") if r else None)
    m["found"] = found
    m["analyze"] = [timed(binary, ["analyze", big, "--format", "json"]) for _ in range(7)]
    return m


def rows(m):
    """The table's rows for one binary's measurements: name -> text."""
    out = {}
    out["instructions per handoff (callgrind, 2 agents)"] = f"{m['instr']:,.0f}" if m["instr"] else "-"
    p = m["pingpong"]
    out["`bench pingpong`, 1,000,000 handoffs: µs per handoff (median of 5, three rounds)"] = (
        " / ".join(f"{x:.3f}" for x in p) if p else "-")
    out["  peak memory of that run"] = f"{m['pingpong_peak']:.1f} MiB" if m["pingpong_peak"] else "-"
    s = m["scenario"]
    if s and s.get("workload") == "scenario":
        out["`bench customer_support.json`: routing µs per handoff / per model call"] = (
            f"{s['routing_micros_per_handoff']:.3f} / {s['routing_micros_per_model_call']:.3f}")
        out["  scripted model µs per call; whole run µs"] = f"{s['model_micros_per_call']:.3f}; {s['run_micros']:.1f}"
    else:
        out["`bench customer_support.json`: routing µs per handoff / per model call"] = "-"
        out["  scripted model µs per call; whole run µs"] = "-"
    f = m["fuzz"]
    shares = f.get("outcome_shares") if f else None
    out["fuzz customer_support, 100,000 cases: model-failed / human-exhausted / completed"] = (
        " / ".join(f"{100 * shares.get(k, 0):.1f}%" for k in ("model-failed", "human-exhausted", "completed"))
        if shares else "-")
    out["  past the first human turn"] = f"{100 * f['past_first_turn_share']:.1f}%" if f and "past_first_turn_share" in f else "-"
    out["  distinct (agent, state) pairs; distinct edges"] = (
        f"{f['distinct_agent_states']}; {f['distinct_edges']}" if f and "distinct_edges" in f else "-")
    out["  cases/s (1 job)"] = f"{f['cases_per_second']:,.0f}" if f and "cases_per_second" in f else "-"
    found = m["found"]
    out["cases to find mixed_requests' ping-pong, seeds 1-10"] = " ".join(str(c) for c in found)
    out["  seeds found within 10 cases"] = f"{sum(1 for c in found if c is not None and c <= 10)} of 10"
    a = [x for x in m["analyze"] if x]
    times = sorted(t for t, _ in a)
    out["`analyze` 100,000 agents / 1,000,000 edges, whole process: s, median (min-max of 7)"] = (
        f"{times[len(times) // 2]:.2f} ({times[0]:.2f}-{times[-1]:.2f})" if a else "-")
    out["  peak memory"] = f"{max(k for _, k in a) / 1024:.0f} MiB" if a else "-"
    return out


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else None
    os.makedirs(WORK, exist_ok=True)
    binaries = [("after", build(None))]
    if base:
        binaries.insert(0, ("before", build(base)))
    big = os.path.join(WORK, "big.json")
    if not os.path.exists(big):
        big_design(big)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown") \
        if os.path.exists("/proc/cpuinfo") else "unknown"
    # Alternate: each binary measured once, then again, so that a change in the machine's load
    # hits both columns alike; the second round's figures are the ones shown.
    results = {}
    for _ in range(2):
        for name, binary in binaries:
            results[name] = rows(measure(binary, big))
    print(f"CPU: {cpu}; {os.cpu_count()} cores\n")
    names = [n for n, _ in binaries]
    print("| figure | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for key in results["after"]:
        print(f"| {key} | " + " | ".join(results[n][key] for n in names) + " |")


if __name__ == "__main__":
    main()
