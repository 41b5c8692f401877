#!/usr/bin/env python3
"""Typeset a bundled Markdown spec as a groff -ms document (for the ingest PDF fixtures):
headings become numbered-looking section titles, GitHub tables become tbl tables, and every
page gets a running header and footer. Usage: md2ms.py spec.md > spec.ms"""
import re, sys

def esc(t):
    t = t.replace("\\", "\\e").replace("`", "")
    return ("\\&" + t) if t.startswith((".", "'")) else t

lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
title = next((l[2:].strip() for l in lines if l.startswith("# ")), "Spec")
out = [f".ds LH {esc(title)}", ".ds RH rtlsmith bundled spec", ".ds LF Generated from Markdown", ".ds CF", ".ds RF Page %"]
i = 0
para = []
def flush():
    if para:
        out.append(".PP"); out.append(esc(" ".join(para))); para.clear()
while i < len(lines):
    l = lines[i]
    if l.startswith("|"):
        flush()
        rows = []
        while i < len(lines) and lines[i].startswith("|"):
            cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                rows.append(cells)
            i += 1
        n = len(rows[0])
        out += [".TS", "tab(@);", " ".join(["l"] * (n - 1) + ["lw(2.5i)"]) + "."]
        out.append("@".join(esc(c) for c in rows[0])); out.append("_")
        out += ["@".join(esc(c) for c in r) for r in rows[1:]]
        out.append(".TE")
        continue
    m = re.match(r"^(#{1,4})\s+(.*)$", l)
    if m:
        flush()
        if len(m.group(1)) == 1:
            out += [".TL", esc(m.group(2))]
        else:
            out += [".SH", esc(m.group(2))]
    elif l.startswith("```"):
        flush()
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            i += 1
    elif l.strip() == "":
        flush()
    else:
        para.append(l.strip())
    i += 1
flush()
print("\n".join(out))
