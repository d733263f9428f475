#!/usr/bin/env python3
"""bench/compare's figures: extracts them from fio and weft-bench JSON, and writes the report.

  report.py fio NAME FILE      prints "metric<TAB>value" lines for one fio job's JSON output
  report.py meta FILE          the same for `weft-bench meta --json` output
  report.py report --results TSV --rss TSV --failures TXT --json OUT --md OUT ...
                               medians over runs, ratios weft/local and weft/MooseFS, peak RSS;
                               prints the Markdown table and writes the .md and .json files
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

MIB = 1024.0 * 1024.0

# (label, metric, unit, {baseline: minimum ratio weft/baseline} from issue 9's targets)
ROWS = [
    ("seq write 1 MiB, end_fsync", "seq_write_mibs", "MiB/s", {"local": 0.5, "moosefs": 2.0}),
    ("seq read 1 MiB, cold", "seq_read_mibs", "MiB/s", {"local": 0.6, "moosefs": 1.5}),
    ("rand read 4 KiB, 4 jobs", "randread_iops", "IOPS", {"moosefs": 2.0}),
    ("mixed 70/30 4 KiB, 4 jobs", "mixed_iops", "IOPS", {}),
    ("meta create, 1 client", "meta_c1_create", "ops/s", {"moosefs": 2.0}),
    ("meta stat (cold), 1 client", "meta_c1_stat", "ops/s", {"moosefs": 2.0}),
    ("meta readdir (cold), 1 client", "meta_c1_readdir", "entries/s", {}),
    ("meta rename, 1 client", "meta_c1_rename", "ops/s", {}),
    ("meta unlink, 1 client", "meta_c1_unlink", "ops/s", {"moosefs": 2.0}),
]
META_N_PHASES = [("create", "ops/s"), ("stat", "ops/s"), ("rename", "ops/s"), ("unlink", "ops/s")]
SYSTEM_NAMES = {"local": "local", "weft": "weft", "moosefs": "MooseFS"}
# Phases of the paired metadata job and issue 9's minimum weft/MooseFS ratio where it sets one.
PAIRED_TARGETS = {"create": 2.0, "stat": 2.0, "unlink": 2.0}


def paired_section(path, verdicts):
    """The paired metadata job's Markdown lines (none when it did not run); adds its target verdicts."""
    if not path or not os.path.exists(path) or os.path.getsize(path) == 0:
        return [], None
    with open(path) as f:
        p = json.load(f)
    lines = ["## Metadata, paired: weft and MooseFS in alternating batches", "",
             f"One client (bench/meta-ab.py) alternates batches of {p['batch']} operations between the MooseFS "
             f"mount and the weft mount, {p['rounds']} rounds of {p['files']} files in a fresh directory per "
             "side, caches dropped before stat and readdir. weft/MooseFS is the median of the rounds' own "
             "ratios: both sides of a round saw the same machine.", "",
             "| phase (1 client, through the mount) | unit | MooseFS | weft | weft/MooseFS | MooseFS rounds | weft rounds |",
             "|---|---|---:|---:|---:|---|---|"]
    fmt = lambda xs: ", ".join(f"{x:,.0f}" for x in xs)
    for phase, e in p["phases"].items():
        target = PAIRED_TARGETS.get(phase)
        mark = ""
        if target is not None:
            ok = e["ratio"] >= target
            verdicts[f"meta_paired_{phase} weft/moosefs >= {target:g}"] = ok
            mark = f" ({'meets' if ok else 'misses'} {target:g}x)"
        label = phase + (" (cold)" if phase in ("stat", "readdir") else "")
        lines.append(f"| {label} | {e['unit']} | {e['a_median']:,.0f} | {e['b_median']:,.0f} | "
                     f"{e['ratio']:.2f}x{mark} | {fmt(e['a'])} | {fmt(e['b'])} |")
    cpu = p.get("cpu_us_per_op", {})
    if cpu:
        lines += ["", f"CPU time per operation over the paired job ({p['ops_per_side']} create/stat/rename/unlink "
                  "per side; readdir, mkdir and rmdir ran too): " +
                  ", ".join(f"{k} {v:.0f} µs" for k, v in cpu.items()), ""]
    return lines, p


def fio_metrics(name, path):
    with open(path) as f:
        text = f.read()
    # fio may print warnings before the JSON object.
    data = json.loads(text[text.index("{"):])
    job = data["jobs"][0]
    if job.get("error", 0):
        raise SystemExit(f"fio job {name} reported error {job['error']}")
    rd, wr = job["read"], job["write"]
    out = {}
    if name == "seq-write":
        out["seq_write_mibs"] = wr["bw_bytes"] / MIB
    elif name == "seq-read":
        out["seq_read_mibs"] = rd["bw_bytes"] / MIB
    elif name == "randread-4k":
        out["randread_iops"] = rd["iops"]
        pct = rd.get("clat_ns", {}).get("percentile", {})
        if "99.000000" in pct:
            out["randread_p99_us"] = pct["99.000000"] / 1000.0
    elif name == "mixed-70-30":
        out["mixed_iops"] = rd["iops"] + wr["iops"]
        out["mixed_read_iops"] = rd["iops"]
        out["mixed_write_iops"] = wr["iops"]
    else:
        raise SystemExit(f"unknown fio job {name}")
    for k, v in out.items():
        print(f"{k}\t{v:.3f}")


def meta_metrics(path):
    with open(path) as f:
        data = json.load(f)
    for r in data["results"]:
        print(f"meta_c{r['clients']}_{r['phase']}\t{r['value']:.3f}")
        if r["phase"] in ("create", "stat", "unlink"):
            print(f"meta_c{r['clients']}_{r['phase']}_p99_us\t{r['lat_p99_us']:.1f}")


def load_results(path):
    runs = {}  # metric -> system -> [value or None]
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                continue
            _, system, metric, value = parts
            # None = the job failed; "skip" = not run (the system had died); else the figure
            v = None if value == "fail" else value if value == "skip" else float(value)
            runs.setdefault(metric, {}).setdefault(system, []).append(v)
    return runs


def load_rss(final_path, samples_path):
    """system -> process -> {"kib": peak VmHWM seen, "exited": gone at the end}."""
    rss = {}
    for path, final in ((samples_path, False), (final_path, True)):
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3 or not parts[2]:
                    continue
                e = rss.setdefault(parts[0], {}).setdefault(parts[1], {"kib": None, "exited": False})
                if parts[2].isdigit():
                    e["kib"] = max(e["kib"] or 0, int(parts[2]))
                elif final:
                    e["exited"] = True
    return rss


def fmt_value(v):
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.1f}"


def cell(values, median):
    if values is None:
        return "-"
    failed = sum(1 for v in values if v is None)
    skipped = sum(1 for v in values if v == "skip")
    if median is None:
        return "FAIL" if failed else "skipped (died earlier)"
    s = fmt_value(median)
    if failed or skipped:
        s += f" ({failed + skipped}/{len(values)} runs failed)"
    return s


def ratio_cell(num, den, target):
    if num is None or den is None or den == 0:
        return "-", None
    r = num / den
    s = f"{r:.2f}x"
    ok = None
    if target is not None:
        ok = r >= target
        s += f" {'ok' if ok else 'MISS'} (>={target:g})"
    return s, r


def environment(workdir, bin_dir, source):
    env = {"kernel": platform.release(), "cpus": os.cpu_count()}
    # Which weft the binaries are: --source when given, else the git state of the tree that holds them.
    if source:
        env["source"] = source
    else:
        try:
            git = ["git", "-C", bin_dir]
            head = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
            dirty = subprocess.run(git + ["status", "--short", "--untracked-files=no"], capture_output=True,
                                   text=True).stdout.split("\n")
            dirty = [l[3:] for l in dirty if l.strip() and not l[3:].startswith("bench/")]
            env["source"] = (f"git {head}" + (f" + uncommitted changes in {len(dirty)} file(s)" if dirty else "")
                             if head else "unknown (not a git tree)")
            env["source_dirty_files"] = dirty
        except OSError:
            pass
    binaries = {}
    for b in ("weft-meta", "weft-chunk", "weft-mount", "weft-bench"):
        path = os.path.join(bin_dir, b)
        if os.path.exists(path):
            binaries[b] = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(path)))
    env["binaries_built"] = binaries
    try:
        with open("/proc/meminfo") as f:
            env["mem_gib"] = round(int(f.readline().split()[1]) / MIB, 1)
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    env["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        df = subprocess.run(["df", "--output=source,fstype", workdir], capture_output=True, text=True).stdout
        src, fstype = df.strip().splitlines()[-1].split()
        env["disk"] = f"{src} ({fstype}) under {workdir}"
    except (OSError, ValueError, IndexError):
        pass
    for tool, cmd in (("fio", ["fio", "--version"]), ("moosefs", ["mfsmaster", "-v"])):
        try:
            env[tool] = subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            pass
    return env


def report(a):
    runs = load_results(a.results)
    rss = load_rss(a.rss, a.rss_samples)
    systems = a.systems.split()
    failures = open(a.failures).read() if os.path.exists(a.failures) else ""
    medians = {}
    for metric, per_sys in runs.items():
        medians[metric] = {}
        for system, values in per_sys.items():
            ok = [v for v in values if isinstance(v, float)]
            medians[metric][system] = statistics.median(ok) if ok else None

    rows = list(ROWS)
    many = sorted({int(m.split("_")[1][1:]) for m in runs if m.startswith("meta_c") and not m.startswith("meta_c1_")})
    for n in many:
        for phase, unit in META_N_PHASES:
            rows.append((f"meta {phase}{' (cold)' if phase == 'stat' else ''}, {n} clients", f"meta_c{n}_{phase}", unit, {}))

    # Columns for the systems this run had (a --skip-moosefs run has no MooseFS column or ratio).
    cols = [c for c in ("local", "weft", "moosefs") if c in systems]
    bases = [c for c in ("local", "moosefs") if c in systems] if "weft" in systems else []
    head = ["benchmark", "unit"] + [SYSTEM_NAMES[c] for c in cols] + [f"weft/{SYSTEM_NAMES[b]}" for b in bases]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    ratios, verdicts = {}, {}
    for label, metric, unit, targets in rows:
        if metric not in runs:
            continue
        med = medians.get(metric, {})
        cells = [cell(runs[metric].get(c), med.get(c)) for c in cols]
        ratios[metric] = {}
        for b in bases:
            text, r = ratio_cell(med.get("weft"), med.get(b), targets.get(b))
            cells.append(text)
            ratios[metric][f"weft/{b}"] = r
            if b in targets:
                verdicts[f"{metric} weft/{b} >= {targets[b]:g}"] = None if r is None else r >= targets[b]
        lines.append("| " + " | ".join([label, unit] + cells) + " |")
    table = "\n".join(lines)

    mem_lines = []
    if rss:
        # weft-chunk and weft-mount run with --memory-budget-mb (issue 9: peak RSS within the budget).
        mem_lines = ["| process | peak RSS (VmHWM) | budget |", "|---|---|---|"]
        for system in ("weft", "moosefs"):
            for proc, e in rss.get(system, {}).items():
                shown = f"{e['kib'] / 1024:.0f} MiB" if e["kib"] is not None else "-"
                if e["exited"]:
                    shown += " (exited before the end: crashed?)"
                budget = ""
                if system == "weft" and a.budget_mb and (proc.startswith("weft-chunk") or proc == "weft-mount"):
                    ok = None if e["kib"] is None else e["kib"] <= a.budget_mb * 1024
                    verdicts[f"{proc} peak RSS <= {a.budget_mb} MiB"] = ok
                    budget = f"{a.budget_mb} MiB " + ("-" if ok is None else "ok" if ok else "MISS")
                mem_lines.append(f"| {proc} | {shown} | {budget} |")
    mem_table = "\n".join(mem_lines)

    env = environment(a.workdir, a.bin, a.source)
    date = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    config = (f"size {a.size}, runtime {a.runtime}s per random job, medians of {a.runs} run(s); "
              f"metadata: weft-bench meta {a.meta}; weft volume class {a.weft_class}, replication 3; "
              f"weft flags: {a.weft_args}; weft-chunk and weft-mount memory budget "
              f"{f'{a.budget_mb} MiB' if a.budget_mb else 'none'}; MooseFS goal 3, HDD_FSYNC_BEFORE_CLOSE={a.mfs_fsync}; "
              f"load average at start {a.load}; {a.machine_setting}")
    md = [f"# bench/{a.name} — {date}", "",
          f"Command: `{a.command.strip()}`  ",
          f"Machine: {env.get('cpus')} CPUs ({env.get('cpu', '?')}), {env.get('mem_gib', '?')} GiB, "
          f"kernel {env.get('kernel')}; disk {env.get('disk', '?')}; {env.get('fio', 'fio')}; "
          f"MooseFS {env.get('moosefs', '?')}  ",
          f"weft: {env.get('source', '?')}; binaries from {a.bin} (weft-chunk built "
          f"{env.get('binaries_built', {}).get('weft-chunk', '?')})  ",
          f"Config: {config}", "", table, ""]
    if mem_table:
        md += ["Peak memory over the whole run:", "", mem_table, ""]
    paired_lines, paired = paired_section(a.paired, verdicts)
    md += paired_lines
    missed = [k for k, v in verdicts.items() if v is False]
    if verdicts:
        md.append(f"Targets (issue 9): {sum(1 for v in verdicts.values() if v)} met, {len(missed)} missed"
                  + (f", {sum(1 for v in verdicts.values() if v is None)} not measured" if None in verdicts.values() else "")
                  + ".")
        md.append("")
    if failures.strip():
        md += ["## Failures", "", "```", failures.strip()[-12000:], "```", ""]
    text = "\n".join(md)
    print(text)
    with open(a.md, "w") as f:
        f.write(text)
    out = {
        "name": a.name, "date": date, "command": a.command.strip(), "config": {
            "size": a.size, "runtime_s": a.runtime, "runs": int(a.runs), "jobs": a.jobs.split(","),
            "meta": a.meta, "weft_class": a.weft_class, "weft_replication": 3, "weft_args": a.weft_args,
            "moosefs_goal": 3, "load_at_start": a.load, "machine_setting": a.machine_setting,
            "moosefs_fsync_before_close": int(a.mfs_fsync)},
        "environment": env, "systems": systems, "medians": medians, "runs": runs, "ratios": ratios,
        "targets": verdicts, "peak_rss_kib": rss, "failures": failures, "paired_metadata": paired,
    }
    with open(a.json, "w") as f:
        json.dump(out, f, indent=2, sort_keys=True)
        f.write("\n")


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "fio":
        return fio_metrics(sys.argv[2], sys.argv[3])
    if len(sys.argv) >= 2 and sys.argv[1] == "meta":
        return meta_metrics(sys.argv[2])
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["report"])
    for opt in ("results", "rss", "rss-samples", "failures", "json", "md", "name", "command", "size", "runtime", "runs",
                "jobs", "meta", "weft-class", "weft-args", "mfs-fsync", "workdir", "systems", "load", "bin"):
        p.add_argument("--" + opt, required=True)
    p.add_argument("--source", default="")
    p.add_argument("--paired", default="", help="the paired metadata job's JSON (empty: it did not run)")
    p.add_argument("--machine-setting", default="CPU idle states as the machine has them",
                   help="what bench/compare set on the machine for the run (--cpu-latency-us)")
    p.add_argument("--budget-mb", type=int, default=0, help="weft-chunk's and weft-mount's --memory-budget-mb (0: none)")
    report(p.parse_args())


if __name__ == "__main__":
    main()
