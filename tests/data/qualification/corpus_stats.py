"""Counts for the labelled qualification corpus (stdlib only).

Usage: python3 tests/data/qualification/corpus_stats.py [FILE.jsonl ...]
Without arguments, counts test.jsonl and train.jsonl beside this script (and dev/extra if present).
Prints markdown tables: per file x language, status, disqualification kind, BANT values,
industry (inferred from the offer sentence), conversations with evidence and with conversation_date.
Only counts labels; it prints no conversation text.
"""

import collections
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = [
    "test.jsonl",
    "train.jsonl",
    "train-b.jsonl",
    "train-c.jsonl",
    "train-d.jsonl",
    "train-e.jsonl",
    "train-f.jsonl",
    "dev.jsonl",
    "extra.jsonl",
]

# industry <- keywords found in the offer sentence (French or English), first match wins
INDUSTRIES = [
    (
        "lead qualification SaaS",
        [
            "qualifie les leads",
            "qualifies inbound leads",
            "qualification de leads",
            "lead qualification",
        ],
    ),
    (
        "maintenance software (CMMS)",
        ["maintenance industrielle", "gmao", "cmms", "maintenance planning"],
    ),
    ("accounting firm", ["expertise comptable", "accounting firm", "comptab", "bookkeeping"]),
    ("marketing automation agency", ["marketing automation", "hubspot"]),
    ("payroll & HR software", ["paie", "payroll"]),
    ("cybersecurity", ["cybers", "intrusion", "penetration"]),
    ("transport / fleet", ["transport", "flotte", "fleet", "haulier"]),
    (
        "office fit-out / construction",
        ["aménagement et rénovation", "fit-out", "rénovation", "refurbish"],
    ),
    ("legal tech (CLM)", ["contrats", "contract lifecycle", "contract"]),
    ("healthcare scheduling", ["rendez-vous", "clinic", "médic", "booking and shared"]),
    ("e-commerce agency", ["e-commerce", "shopify", "prestashop"]),
    ("corporate training", ["formation", "training provider", "business english"]),
    ("solar energy", ["photovolta", "solar"]),
    ("cloud / managed IT", ["cloud", "infogérance", "managed it"]),
    ("restaurant POS", ["restaurant"]),
    ("flexible offices", ["coworking", "bureaux flexibles", "flexible offices"]),
]


def industry(offer):
    low = offer.lower()
    for name, keys in INDUSTRIES:
        if any(k in low for k in keys):
            return name
    return "other"


def table(title, counter_by_col, cols, keys=None):
    keys = keys or sorted({k for c in counter_by_col.values() for k in c}, key=str)
    out = [
        f"\n### {title}\n",
        "| value | " + " | ".join(cols) + " | total |",
        "|---|" + "---|" * (len(cols) + 1),
    ]
    for k in keys:
        vals = [counter_by_col[c].get(k, 0) for c in cols]
        out.append(f"| {k} | " + " | ".join(str(v) for v in vals) + f" | {sum(vals)} |")
    tot = [sum(counter_by_col[c].values()) for c in cols]
    out.append("| **all** | " + " | ".join(str(v) for v in tot) + f" | {sum(tot)} |")
    return "\n".join(out)


def main(argv):
    paths = argv[1:] or [
        os.path.join(HERE, f) for f in DEFAULT if os.path.exists(os.path.join(HERE, f))
    ]
    cols = []
    c = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    for path in paths:
        name = os.path.basename(path).replace(".jsonl", "")
        with open(path, encoding="utf-8") as lines:
            rows = [json.loads(line) for line in lines if line.strip()]
        for lang in ("fr", "en"):
            col = f"{name}/{lang}"
            cols.append(col)
            for r in rows:
                if r["lang"] != lang:
                    continue
                e = r["expected"]
                c["status"][col][e["status"]] += 1
                c["disqualified"][col][e["disqualified"] or "(genuine)"] += 1
                c["industry"][col][industry(r["offer"])] += 1
                c["with evidence"][col]["yes" if e.get("evidence") else "no"] += 1
                c["with conversation_date"][col]["yes" if r.get("conversation_date") else "no"] += 1
                day = r.get("conversation_date")
                c["conversation month"][col][day[5:7] if day else "(none)"] += 1
                c["conversation year"][col][day[:4] if day else "(none)"] += 1
                turns = sum(1 for m in r["messages"] if m["role"] == "visitor")
                c["visitor turns"][col]["1" if turns == 1 else "2-3" if turns <= 3 else "4+"] += 1
                if e["disqualified"] is None:
                    c["budget (genuine)"][col][e["budget"]["status"]] += 1
                    c["authority (genuine)"][col][e["authority"]] += 1
                    c["need (genuine)"][col][e["need"]] += 1
                    c["timing (genuine)"][col][e["timing"]["bucket"]] += 1
                    if e["budget"].get("currency"):
                        c["currency (genuine, confirmed)"][col][e["budget"]["currency"]] += 1
    for title in [
        "status",
        "disqualified",
        "industry",
        "budget (genuine)",
        "authority (genuine)",
        "need (genuine)",
        "timing (genuine)",
        "currency (genuine, confirmed)",
        "visitor turns",
        "with evidence",
        "with conversation_date",
        "conversation year",
        "conversation month",
    ]:
        print(table(title, c[title], cols))


if __name__ == "__main__":
    main(sys.argv)
