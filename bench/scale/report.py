#!/usr/bin/env python3
"""bench/scale/report.py RESULTS.json - the per-stage table of run.py:
wall seconds (CPU seconds in brackets) at each size, the growth exponent
between consecutive sizes and from the first size to the last, the peak
RSS against the input's size, and the peers' times with their ratios."""
import json, math, sys

STAGES = [("embed (load)", "embed_s", "embed"), ("neighbours", "neighbors_s", "neighbors"),
          ("duplicates", "duplicates_s", None), ("outliers", "outliers_s", None),
          ("label issues", "label_issues_s", None), ("all findings", None, "findings"),
          ("clusters", "clusters_s", "clusters"), ("map (UMAP 3D)", "map_s", "map"),
          ("report", "report_s", "report"), ("**total**", "total_s", None)]


def expo(a, b, na, nb):
    if not a or not b or a <= 0 or b <= 0:
        return "-"
    return f"{math.log(b / a) / math.log(nb / na):.2f}"


def main():
    r = json.load(open(sys.argv[1]))
    runs = r["runs"]
    ns = [x["n"] for x in runs]
    print(f"kind {r['kind']}, {r['dims']} dims, {r['threads']} threads, load at start {' '.join(r['load_start'])},"
          f" at end {' '.join(r.get('load_end', []))}\n")
    head = ["stage"] + [f"{n:,}" for n in ns]
    head += [f"exp {ns[i]//1000}k→{ns[i+1]//1000}k" for i in range(len(ns) - 1)]
    if len(ns) > 2:
        head.append(f"exp {ns[0]//1000}k→{ns[-1]//1000}k")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" + "---:|" * (len(head) - 1))
    for name, tkey, ckey in STAGES:
        walls = [x["timings"].get(tkey) if tkey else None for x in runs]
        cpus = [x["cpu_s"].get(ckey) if ckey else None for x in runs]
        if tkey is None:   # CPU only
            walls = [None] * len(runs)
        cells = []
        for w, c in zip(walls, cpus):
            if w is None and c is None:
                cells.append("-")
            elif w is None:
                cells.append(f"({c:.1f} CPU)")
            else:
                cells.append(f"{w:.1f}" + (f" ({c:.1f})" if c is not None else ""))
        # exponents: from wall times where there are any, else CPU
        v = [w if w is not None else c for w, c in zip(walls, cpus)]
        ex = [expo(v[i], v[i + 1], ns[i], ns[i + 1]) for i in range(len(ns) - 1)]
        if len(ns) > 2:
            ex.append(expo(v[0], v[-1], ns[0], ns[-1]))
        print("| " + " | ".join([name] + cells + ex) + " |")
    rss = [x["rss_mb"] for x in runs]
    inp = [x["input_mb"] for x in runs]
    print("| peak RSS, MB | " + " | ".join(f"{a:,.0f} ({a / b:.2f}x input)" for a, b in zip(rss, inp)) + " | " +
          " | ".join(expo(rss[i], rss[i + 1], ns[i], ns[i + 1]) for i in range(len(ns) - 1)) +
          (" | " + expo(rss[0], rss[-1], ns[0], ns[-1]) if len(ns) > 2 else "") + " |")
    print("\nPeak RSS after each stage (MB):\n")
    print("| stage | " + " | ".join(f"{n:,}" for n in ns) + " |")
    print("|---|" + "---:|" * len(ns))
    for st in ["embed", "neighbors", "findings", "clusters", "map", "report"]:
        print(f"| {st} | " + " | ".join(f"{x['rss_after'].get(st, float('nan')):,.0f}" for x in runs) + " |")
    peers = sorted({p for x in runs for p in x["peers"]})
    if peers:
        print("\nPeers in the same run (wall s; embscope's stage in brackets, ratio = peer / embscope):\n")
        print("| peer | n | peer s | peak RSS MB | embscope s | ratio |")
        print("|---|---:|---:|---:|---:|---:|")
        ours = {"knn": "neighbors_s", "umap": "map_s", "pairs": "duplicates_s"}
        what = {"knn": "pynndescent kNN (k = 15)", "umap": "umap-learn 3D (its own kNN)",
                "pairs": "faiss exact range search, cosine >= 0.985"}
        for p in peers:
            for x in runs:
                q = x["peers"].get(p)
                if not q:
                    continue
                sec = q.get("seconds")
                mine = x["timings"].get(ours[p])
                if p == "umap":   # umap-learn computes its own graph: compare with our neighbours + map
                    mine = (x["timings"].get("neighbors_s") or 0) + (x["timings"].get("map_s") or 0)
                extra = f" ({q['pairs']:,} pairs)" if q.get("pairs") is not None else ""
                print(f"| {what[p]}{extra} | {x['n']:,} | {sec if sec is None else f'{sec:.1f}'} | {q['rss_mb']:,.0f} |"
                      f" {mine:.1f} | {'-' if not sec or not mine else f'{sec / mine:.1f}x'} |")


if __name__ == "__main__":
    main()
