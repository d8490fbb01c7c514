"""bench/report.sh's last step: samples -> one table, report.json, the chart's data.

  summarize.py OUT_DIR

Reads OUT_DIR/samples.tsv (one line per measured run), compares.tsv (one line
per table row: which two series it sets side by side, and the target),
notes.tsv (what was not measured, and why) and meta.json (the machine). Writes
report.txt (also printed), report.json, and for row P1 p1_series.dat and
report.gp (gnuplot: time against checkpoint size).

Every figure is a median over runs, with the spread (min-max) beside it. The
ratio is Cairn's median time over the peer's: below 1, Cairn is faster. A
target is only compared, never enforced: the machine is shared and noisy.
"""
import csv
import json
import os
import statistics
import sys

MIB = 1048576
GIB = 1073741824
# P1's series in the chart, in legend order, with their titles.
P1_SERIES = [("cairn_sync", "Cairn sync"), ("cairn_async_blocked", "Cairn async (training blocked)"),
             ("cairn_async_total", "Cairn async (whole save)"), ("torch_save", "torch.save + fsync"),
             ("limit_buffered", "limit: buffered write() + fsync"), ("limit_direct", "limit: O_DIRECT write + fsync")]


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def series_stats(samples):
    """Samples of one series at one size -> medians and spread."""
    seconds = [number(s["seconds"]) for s in samples]
    seconds = [v for v in seconds if v is not None]
    if not seconds:
        return None
    stats = {"runs": len(seconds), "median_s": median(seconds), "min_s": min(seconds), "max_s": max(seconds),
             "peak_rss_kib": median([number(s["peak_rss_kib"]) for s in samples]),
             "extra_kib": median([number(s["extra_kib"]) for s in samples]),
             "live_bytes": median([number(s["live_bytes"]) for s in samples]),
             "bytes": median([number(s["bytes"]) for s in samples])}
    if stats["bytes"] and stats["median_s"] > 0:
        stats["gib_per_s"] = stats["bytes"] / stats["median_s"] / GIB
    info = {}
    for s in samples:  # "key=value;key=value" -> medians per key
        for item in (s.get("info") or "-").split(";"):
            key, _, val = item.partition("=")
            if val and number(val) is not None:
                info.setdefault(key, []).append(number(val))
    for key, vals in info.items():
        stats[key] = median(vals)
    return stats


def seconds(v):
    if v is None:
        return "-"
    return f"{v:.3f}" if v < 10 else f"{v:.2f}" if v < 100 else f"{v:.0f}"


def mib(kib):
    return "-" if kib is None else f"{kib / 1024:.0f}"


def check(target, ratio, cairn):
    """'ratio<=X,extra<=M' -> True/False, or None when nothing to compare."""
    if target in ("", "-"):
        return None
    met = True
    for clause in target.split(","):
        what, _, limit = clause.partition("<=")
        limit = float(limit)
        if what == "ratio":
            if ratio is None:
                return None
            met &= ratio <= limit
        elif what == "extra":
            if cairn is None or cairn.get("extra_kib") is None:
                return None
            met &= cairn["extra_kib"] / 1024 <= limit
    return met


def details(row, names, cairn, peer, per_count):
    """Extra facts of one row: throughput, the cost per checkpoint, server CPU;
    each side named by its series (names: the Cairn side's and the peer's)."""
    out = []
    if cairn and peer and cairn.get("gib_per_s") and peer.get("gib_per_s"):
        out.append(f"{cairn['gib_per_s']:.3f} vs {peer['gib_per_s']:.3f} GiB/s")
    if per_count and cairn and peer:
        per = (cairn["median_s"] - peer["median_s"]) / per_count
        size = f" of {cairn['checkpoint_bytes'] / MIB:.0f} MiB" if cairn.get("checkpoint_bytes") else ""
        out.append(f"{per:+.3f} s per checkpoint ({per_count} checkpoints{size})")
    for side, stats in zip(names, (cairn, peer)):
        if stats and stats.get("server_cpu_s") is not None:
            out.append(f"server CPU during {side}: {stats['server_cpu_s']:.1f} s "
                       f"({100 * stats['server_cpu_s'] / stats['median_s']:.0f}% of one core)")
        if stats and stats.get("read_s") is not None:
            out.append(f"{side}: read {stats['read_s']:.2f} s + apply {stats['apply_s']:.2f} s")
        if stats is cairn and stats and stats.get("rss_live_mib") is not None:
            out.append(f"RSS with the state live: {stats['rss_live_mib']:.0f} MiB per rank")
        if stats and stats.get("first_save_blocked_s") is not None:
            out.append(f"first save (staging allocated): blocked {stats['first_save_blocked_s']:.3f} s, "
                       f"whole {stats.get('first_save_s') or 0:.3f} s")
    extra = [f"{side} {stats['extra_kib'] / 1024:+.0f} MiB" for side, stats in zip(names, (cairn, peer))
             if stats and stats.get("extra_kib") is not None]
    if extra:
        what = "the state it loads" if row == "P4" else "the live state"
        out.append(f"peak over {what}: {', '.join(extra)}")
    return "; ".join(out)


def main(out_dir):
    samples = read_tsv(os.path.join(out_dir, "samples.tsv"))
    compares = read_tsv(os.path.join(out_dir, "compares.tsv"))
    notes = []
    if os.path.exists(os.path.join(out_dir, "notes.tsv")):
        with open(os.path.join(out_dir, "notes.tsv")) as f:
            notes = [dict(zip(("row", "text"), line.rstrip("\n").split("\t", 1))) for line in f if line.strip()]
    meta = {}
    if os.path.exists(os.path.join(out_dir, "meta.json")):
        with open(os.path.join(out_dir, "meta.json")) as f:
            meta = json.load(f)

    groups = {}
    for s in samples:
        groups.setdefault((s["row"], s["series"], s["size_mib"]), []).append(s)
    stats = {key: series_stats(group) for key, group in groups.items()}

    rows = []
    for c in compares:
        size = c["size_mib"]
        cairn = stats.get((c["row"], c["cairn"], size))
        peer = stats.get((c["row"], c["peer"], size))
        ratio = cairn["median_s"] / peer["median_s"] if cairn and peer and peer["median_s"] > 0 else None
        per_count = int(c["per_count"]) if c["per_count"] not in ("", "-") else None
        rows.append({"row": c["row"], "label": c["label"], "size_mib": number(size),
                     "cairn_series": c["cairn"], "peer_series": c["peer"], "cairn": cairn, "peer": peer,
                     "ratio": ratio, "target": c["target"], "target_text": c["target_text"],
                     "met": check(c["target"], ratio, cairn),
                     "details": details(c["row"], (c["cairn"], c["peer"]), cairn, peer, per_count)})

    # --- the text table -----------------------------------------------------------
    header = ["row", "cairn s", "peer s", "ratio", "spread cairn | peer (s)", "peak RSS MiB c | p", "live MiB",
              "target", "met?"]
    table = []
    for r in rows:
        c, p = r["cairn"], r["peer"]
        spread = " | ".join(f"{seconds(s['min_s'])}-{seconds(s['max_s'])}" if s else "-" for s in (c, p))
        live = next((s["live_bytes"] for s in (c, p) if s and s.get("live_bytes")), None)
        peak = " | ".join(mib(s["peak_rss_kib"]) if s else "-" for s in (c, p))
        met = {True: "yes", False: "no", None: "-"}[r["met"]]
        if not c or not p:
            met = "not measured: " + ("cairn" if not c else "peer") + " side has no run"
        table.append([r["label"], seconds(c["median_s"]) if c else "-", seconds(p["median_s"]) if p else "-",
                      f"{r['ratio']:.2f}" if r["ratio"] is not None else "-", spread, peak,
                      f"{live / MIB:.0f}" if live else "-", r["target_text"] if r["target_text"] != "-" else "", met])
    widths = [max(len(str(line[i])) for line in [header] + table) for i in range(len(header))]

    def fmt(line):
        cells = [str(v).ljust(w) if i in (0, 4, 5, 7, 8) else str(v).rjust(w) for i, (v, w) in enumerate(zip(line, widths))]
        return "  ".join(cells).rstrip()

    lines = []
    machine = (f"{meta.get('host', '?')}: {meta.get('cpus', '?')} CPUs, {meta.get('memory_gib', '?')} GiB, "
               f"Linux {meta.get('kernel', '?')}, /var/tmp on {' '.join(meta.get('filesystem', []))}, "
               f"load average {' '.join(meta.get('loadavg', []))} at the end")
    reps = meta.get("reps", "?")
    lines += [f"Cairn against its peers, {meta.get('date', '')}",
              f"machine: {machine}",
              "",
              "THE MACHINE IS SHARED AND NOISY. Every time is the median of the runs of that side (REPS="
              f"{reps}; P5: more), the sides",
              "of a row taking turns with the order rotated every run; the spread is min-max over those runs.",
              "Nothing passes or fails on a time: 'met?' only sets the medians beside the issue's targets.",
              "ratio = Cairn's median time / the peer's (below 1: Cairn is faster). Peak RSS: the whole process",
              "(/usr/bin/time %M), median; live: the state's tensor bytes.",
              "",
              fmt(header), fmt(["-" * w for w in widths])]
    lines += [fmt(line) for line in table]
    row_details = [(r["label"], r["details"]) for r in rows if r["details"]]
    if row_details:
        lines += ["", "details:"] + [f"  {label}: {text}" for label, text in row_details]
    if notes:
        lines += ["", "notes:"] + [f"  {n['row']}: {n.get('text', '')}" for n in notes]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out_dir, "report.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)

    # --- report.json --------------------------------------------------------------
    series = [{"row": k[0], "series": k[1], "size_mib": number(k[2]), **v} for k, v in sorted(stats.items()) if v]
    with open(os.path.join(out_dir, "report.json"), "w") as f:
        json.dump({"meta": meta, "noise": "shared, noisy machine: medians of alternating runs; no time is a pass/fail",
                   "ratio": "cairn median seconds / peer median seconds", "rows": rows, "series": series,
                   "notes": notes}, f, indent=1)

    # --- the chart's data and script (P1: time against checkpoint size) -------------
    blocks, plots = [], []
    for name, title in P1_SERIES:
        points = sorted((number(k[2]), v) for k, v in stats.items() if k[0] == "P1" and k[1] == name and v)
        if not points:
            continue
        blocks.append(f"# {name}\n" + "".join(f"{size:g} {v['median_s']} {v['min_s']} {v['max_s']}\n" for size, v in points))
        plots.append(f"'{os.path.join(out_dir, 'p1_series.dat')}' index {len(plots)} using 1:2:3:4 "
                     f"with yerrorlines lw 2 pt 7 title '{title}'")
    if not plots:
        return
    sizes = sorted({number(k[2]) for k, v in stats.items() if k[0] == "P1" and v})
    with open(os.path.join(out_dir, "p1_series.dat"), "w") as f:
        f.write("\n\n".join(blocks))
    with open(os.path.join(out_dir, "report.gp"), "w") as f:
        f.write(f"""# gnuplot {os.path.join(out_dir, 'report.gp')}: bench/report.sh's P1 chart
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {{
  set terminal pngcairo size 1100,700 font ",11"
}} else {{
  set terminal png size 1100,700
}}
set termoption noenhanced
set output '{os.path.join(out_dir, 'report.png')}'
set title "Local save: time against checkpoint size ({meta.get('date', '')}, {meta.get('cpus', '?')} CPUs)\\nmedians of {reps} alternating runs, bars min-max; shared, noisy machine"
set xlabel "state (MiB)"
set ylabel "seconds (write + fsync)"
set logscale xy
set xtics ({', '.join(f'"{v:g}" {v:g}' for v in sizes)})
set xrange [{sizes[0] / 1.5:g}:{sizes[-1] * 1.5:g}]
set grid
set key top left
plot {', '.join(plots)}
""")


if __name__ == "__main__":
    main(sys.argv[1])
