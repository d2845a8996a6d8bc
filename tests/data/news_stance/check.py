#!/usr/bin/env python3
"""Checks the news-quote stance evaluation set (standard library only).

    python3 tests/data/news_stance/check.py [--gum PATH/TO/articles.jsonl]

Verifies that every line of pairs.jsonl parses and has the expected fields, that labels are
valid and ids unique, that every quote is an exact substring of its source text, that each
source has a targets file naming exactly the targets used for it, and that every quote of a
source is labelled against every target of that source. Prints label counts overall, per
source kind and per source. Exits 1 on any error.

Sources: "articles/<slug>.txt" (files in this folder) or "gum:<doc id>" (the `text` field of
the GUM Wikinews articles.jsonl; a verbatim copy is kept in gum/<doc id>.txt). When the
original articles.jsonl is found (--gum, $NEWS_STANCE_GUM, or the usual shared paths), the
copies are also compared with it.
"""

import json
import os
import re
import sys
import tomllib
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = ("favor", "against", "neutral")
KEYS = {"id", "source", "speaker", "cue", "quote", "target", "label", "why"}
TARGET_KEYS = {"name", "aliases", "description"}


def find_gum(argv):
    if "--gum" in argv:
        return argv[argv.index("--gum") + 1]
    candidates = [os.environ.get("NEWS_STANCE_GUM", "")]
    root = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
    candidates.append(os.path.join(root, "shared", "data", "news", "gum_wikinews", "articles.jsonl"))
    candidates.append("/work/shared/data/news/gum_wikinews/articles.jsonl")
    for c in candidates:
        if c and os.path.isfile(c):
            return c
    return None


def main(argv):
    errors = []
    warnings = []

    def err(msg):
        errors.append(msg)

    # Targets files.
    targets = {}
    tdir = os.path.join(HERE, "targets")
    for fn in sorted(os.listdir(tdir)):
        if not fn.endswith(".toml"):
            continue
        path = os.path.join(tdir, fn)
        try:
            with open(path, "rb") as fh:
                doc = tomllib.load(fh)
        except Exception as e:  # noqa: BLE001
            err(f"targets/{fn}: does not parse: {e}")
            continue
        if set(doc) - {"target"}:
            err(f"targets/{fn}: unknown top-level keys {sorted(set(doc) - {'target'})}")
        names = []
        for t in doc.get("target", []):
            if set(t) - TARGET_KEYS:
                err(f"targets/{fn}: unknown target keys {sorted(set(t) - TARGET_KEYS)}")
            name = t.get("name")
            if not isinstance(name, str) or not name.strip():
                err(f"targets/{fn}: target without a name")
                continue
            al = t.get("aliases", [])
            if not isinstance(al, list) or not all(isinstance(a, str) and a.strip() for a in al):
                err(f"targets/{fn}: aliases of {name!r} must be non-empty strings")
            names.append(name)
        if not names:
            err(f"targets/{fn}: no targets")
        if len(names) != len(set(names)):
            err(f"targets/{fn}: duplicate target names")
        targets[fn[:-5]] = names

    # Source texts.
    gum_path = find_gum(argv)
    gum_orig = {}
    if gum_path:
        with open(gum_path, encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                gum_orig[d["id"]] = d["text"]
    else:
        warnings.append("original GUM articles.jsonl not found; checked gum/ copies only")

    texts = {}

    def source_text(src):
        if src in texts:
            return texts[src]
        text = None
        if src.startswith("articles/") and src.endswith(".txt") and "/" not in src[9:]:
            path = os.path.join(HERE, src)
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
                lines = text.split("\n")
                if len(lines) < 3 or not lines[0].strip() or lines[1] != "":
                    err(f"{src}: expected headline, blank line, body")
        elif src.startswith("gum:"):
            gid = src[4:]
            path = os.path.join(HERE, "gum", gid + ".txt")
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
            if gum_orig:
                if gid not in gum_orig:
                    err(f"{src}: no such document in {gum_path}")
                elif text is not None and text != gum_orig[gid]:
                    err(f"{src}: gum/{gid}.txt differs from the text field in {gum_path}")
                elif text is None:
                    text = gum_orig[gid]
                    warnings.append(f"{src}: local copy gum/{gid}.txt missing; used {gum_path}")
        if text is None:
            err(f"{src}: source text not found")
        texts[src] = text
        return text

    def slug(src):
        return src[4:] if src.startswith("gum:") else os.path.basename(src)[:-4]

    # Pairs.
    ids = set()
    seen = set()
    by_source_quotes = defaultdict(lambda: defaultdict(set))
    rows = []
    with open(os.path.join(HERE, "pairs.jsonl"), encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                err(f"pairs.jsonl:{n}: blank line")
                continue
            try:
                o = json.loads(line)
            except json.JSONDecodeError as e:
                err(f"pairs.jsonl:{n}: does not parse: {e}")
                continue
            if not isinstance(o, dict) or set(o) != KEYS:
                err(f"pairs.jsonl:{n}: keys must be exactly {sorted(KEYS)}")
                continue
            where = f"pairs.jsonl:{n} ({o['id']})"
            if not isinstance(o["id"], str) or not re.fullmatch(r"ns-\d{4}", o["id"]):
                err(f"{where}: bad id")
            if o["id"] in ids:
                err(f"{where}: duplicate id")
            ids.add(o["id"])
            if o["label"] not in LABELS:
                err(f"{where}: bad label {o['label']!r}")
            for k in ("source", "quote", "target", "why"):
                if not isinstance(o[k], str) or not o[k].strip():
                    err(f"{where}: {k} must be a non-empty string")
            for k in ("speaker", "cue"):
                if o[k] is not None and (not isinstance(o[k], str) or not o[k].strip()):
                    err(f"{where}: {k} must be a non-empty string or null")
            if not all(isinstance(o[k], str) for k in ("source", "quote", "target")):
                continue
            text = source_text(o["source"])
            if text is not None:
                c = text.count(o["quote"])
                if c == 0:
                    err(f"{where}: quote is not a substring of {o['source']}: {o['quote'][:60]!r}")
                elif c > 1:
                    warnings.append(f"{where}: quote occurs {c} times in {o['source']}: {o['quote'][:40]!r}")
            s = slug(o["source"])
            if s not in targets:
                err(f"{where}: no targets/{s}.toml")
            elif o["target"] not in targets[s]:
                err(f"{where}: target {o['target']!r} not in targets/{s}.toml")
            key = (o["source"], o["quote"], o["target"])
            if key in seen:
                err(f"{where}: duplicate (source, quote, target)")
            seen.add(key)
            by_source_quotes[o["source"]][o["quote"]].add(o["target"])
            rows.append(o)

    # Completeness: every quote of a source against every target of that source.
    for src, quotes in by_source_quotes.items():
        want = set(targets.get(slug(src), []))
        for q, got in quotes.items():
            if got != want:
                err(f"{src}: quote {q[:40]!r} labelled for {sorted(got)}, targets file has {sorted(want)}")
    used = {slug(s) for s in by_source_quotes}
    for s in sorted(set(targets) - used):
        err(f"targets/{s}.toml: no pairs use this source")

    # Report.
    total = Counter(o["label"] for o in rows)
    kind = defaultdict(Counter)
    per = defaultdict(Counter)
    for o in rows:
        kind["own articles" if o["source"].startswith("articles/") else "GUM Wikinews"][o["label"]] += 1
        per[o["source"]][o["label"]] += 1

    def fmt(c):
        n = sum(c.values())
        parts = "  ".join(f"{lab} {c[lab]:3d}" for lab in LABELS)
        share = 100.0 * c["neutral"] / n if n else 0.0
        return f"{n:4d} pairs  {parts}  (neutral {share:.1f}%)"

    print(f"{'all':44s} {fmt(total)}")
    for k in ("own articles", "GUM Wikinews"):
        print(f"{k:44s} {fmt(kind[k])}")
    print()
    for src in sorted(per, key=lambda s: (s.startswith("gum:"), s)):
        nq = len(by_source_quotes[src])
        print(f"{src:44s} {fmt(per[src])}  quotes {nq}")
    for w in warnings:
        print("warning:", w)
    if errors:
        print()
        for e in errors:
            print("ERROR:", e)
        print(f"FAILED: {len(errors)} error(s)")
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
