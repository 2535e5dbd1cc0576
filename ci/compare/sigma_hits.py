#!/usr/bin/env python3
"""Compare each Sigma rule's hits: Chainsaw's `hunt --json` against huntbench's `hunt --format json`.

usage: sigma_hits.py CHAINSAW_JSON HUNTBENCH_JSON [--json OUT]

Hits are matched events per rule. Chainsaw prints one detection per (rule, event) (an
aggregate detection lists its documents); an event is identified like huntbench's uid
(computer and channel case-insensitively, record id, event id, time), so the same record
in two files counts once on both sides. huntbench's hits are the sum of its rows' counts.
Prints one line per rule on which the two differ, then the totals; exit 0 either way (the
differences are explained in BENCHMARKS.md, not asserted here).
"""
import json
import sys


def chainsaw_hits(path):
    with open(path, encoding="utf-8") as f:
        detections = json.load(f)
    hits, titles = {}, {}
    for d in detections:
        rid = d.get("id") or "title:" + d.get("name", "?")
        titles[rid] = d.get("name", "")
        docs = d.get("documents") if d.get("kind") == "aggregate" else [d.get("document")]
        for doc in docs or []:
            system = ((doc or {}).get("data") or {}).get("Event", {}).get("System", {})
            eid = system.get("EventID")
            if isinstance(eid, dict):
                eid = eid.get("#text")
            tc = system.get("TimeCreated_attributes") or {}
            key = (
                str(system.get("Computer", "")).lower(),
                str(system.get("Channel", "")).lower(),
                str(system.get("EventRecordID")),
                str(eid),
                str(tc.get("SystemTime", ""))[:26],  # huntbench keeps microseconds
            )
            hits.setdefault(rid, set()).add(key)
    return {r: len(s) for r, s in hits.items()}, titles


def huntbench_hits(path):
    with open(path, encoding="utf-8") as f:
        rows = json.load(f)
    hits, titles = {}, {}
    for r in rows:
        if "level" not in r:  # an ESCU analytic's row, not a Sigma rule's
            continue
        hits[r["analytic"]] = hits.get(r["analytic"], 0) + r["count"]
        titles[r["analytic"]] = r.get("title", "")
    return hits, titles


def main():
    args = sys.argv[1:]
    out = None
    if "--json" in args:
        i = args.index("--json")
        out = args[i + 1]
        del args[i : i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    cs, cs_titles = chainsaw_hits(args[0])
    hb, hb_titles = huntbench_hits(args[1])
    rules = sorted(set(cs) | set(hb), key=lambda r: (-(cs.get(r, 0) + hb.get(r, 0)), r))
    same = [r for r in rules if cs.get(r, 0) == hb.get(r, 0)]
    differ = [r for r in rules if cs.get(r, 0) != hb.get(r, 0)]
    print(f"{'rule id':38} {'chainsaw':>8} {'huntbench':>9}  title")
    for r in differ:
        title = hb_titles.get(r) or cs_titles.get(r, "")
        print(f"{r:38} {cs.get(r, 0):8} {hb.get(r, 0):9}  {title}")
    print(
        f"\n{len(rules)} rules with hits on either side: {len(same)} equal, {len(differ)} differ; "
        f"hits: chainsaw {sum(cs.values())}, huntbench {sum(hb.values())}"
    )
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(
                {r: {"title": hb_titles.get(r) or cs_titles.get(r, ""), "chainsaw": cs.get(r, 0),
                     "huntbench": hb.get(r, 0)} for r in rules},
                f, indent=1, ensure_ascii=False,
            )


if __name__ == "__main__":
    main()
