"""Turns bench/compare.sh's results.tsv into one Markdown table of medians, with Midge's ratios.

usage: python3 bench/table.py RESULTS.tsv "mosquitto hivemq midge" "conditions line"
"""
import json
import statistics
import sys

rows = {}
for line in open(sys.argv[1], encoding="utf-8"):
    broker, name, _run, payload = line.rstrip("\n").split("\t", 3)
    rows.setdefault((broker, name), []).append(json.loads(payload))
brokers = sys.argv[2].split()
conditions = sys.argv[3] if len(sys.argv) > 3 else ""


def median(broker, name, pick):
    values = [pick(r) for r in rows.get((broker, name), [])]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def lost_pct(r):
    return 100.0 * r["lost"] / r["expected"] if r.get("expected") else None


def p99(r):
    lat = r.get("latencyMillis")
    return lat["p99"] if lat else None


LINES = [
    ("fan-in QoS 0, 8 publishers -> 1 subscriber (msg/s)", "fan-in-q0", lambda r: r["receiveRate"], True),
    ("fan-in QoS 1 (msg/s)", "fan-in-q1", lambda r: r["receiveRate"], True),
    ("fan-in QoS 1 lost (%)", "fan-in-q1", lost_pct, False),
    ("fan-in QoS 2 (msg/s)", "fan-in-q2", lambda r: r["receiveRate"], True),
    ("fan-in QoS 2 lost (%)", "fan-in-q2", lost_pct, False),
    ("fan-out QoS 0, 1 -> 8 (deliveries/s)", "fan-out-q0", lambda r: r["receiveRate"], True),
    ("8 pairs QoS 1 (msg/s)", "pairs-q1", lambda r: r["receiveRate"], True),
    ("p99 latency at a paced 10 k msg/s (ms)", "paced-10k", p99, False),
    ("connections: connects/s, broker cold", "storm-cold",
     lambda r: r["storm"]["connectsPerSecond"], True),
    ("connections: connects/s, after warm-up", "storm",
     lambda r: r["storm"]["connectsPerSecond"], True),
    ("idle connection, RSS growth per connection, broker cold (KiB)", "storm-cold",
     lambda r: (r["storm"].get("rssBytesPerConnection") or 0) / 1024, False),
    ("idle connection, RSS growth per connection, after warm-up (KiB)", "storm",
     lambda r: (r["storm"].get("rssBytesPerConnection") or 0) / 1024, False),
]


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v / 1000:.1f} k"
    if abs(v) >= 10:
        return f"{v:.0f}"
    return f"{v:.2f}"


others = [b for b in brokers if b != "midge"]
header = ["scenario"] + brokers + [f"midge / {o}" for o in others if "midge" in brokers]
print(f"Conditions: {conditions}. Medians; ratios are Midge's figure over the other's"
      " (above 1 is better for Midge where higher is better, below 1 where lower is better).")
print()
print("| " + " | ".join(header) + " |")
print("|" + "---|" * len(header))
for title, name, pick, _higher_better in LINES:
    values = {b: median(b, name, pick) for b in brokers}
    cells = [title] + [fmt(values[b]) for b in brokers]
    if "midge" in brokers:
        for o in others:
            m, x = values.get("midge"), values.get(o)
            cells.append(f"{m / x:.2f}" if m is not None and x else "-")
    print("| " + " | ".join(cells) + " |")
