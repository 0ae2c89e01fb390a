"""The run's figures as a table, the ratios of issue 8 with its targets marked, and how a
baseline's answer compares with the service's."""

import json
from pathlib import Path
from typing import Any

TARGETS = (
    ("W1 / B-raw throughput at c16", "w1_over_raw_c16", ">=", 0.35),
    ("W1 / before-rev throughput at c16", "w1_over_before_c16", ">=", 4.0),
    ("W1 / before-rev throughput at c1", "w1_over_before_c1", ">=", 4.0),
    ("W1 p95 at c1 (ms)", "w1_p95_c1", "<=", 15.0),
    ("W1 p95 at c16 (ms)", "w1_p95_c16", "<=", 100.0),
    ("W1 / B-open throughput at c16", "w1_over_open_c16", ">=", 0.85),
    ("W1 / B-naive throughput at c16", "w1_over_naive_c16", ">=", 5.0),
    ("SQL statements per W1 request", "w1_statements", "<=", 11),
    ("W5 / B-insert (many clients, c16)", "w5_over_insert_c16", ">=", 0.5),
    ("W6 verify / B-hash", "w6_over_hash", ">=", 0.5),
    ("W6 verify events/s", "w6_events_per_s", ">=", 100_000),
    ("W1 p50 at c1, large / medium", "w1_large_over_medium_p50_c1", "<=", 1.2),
)


def line(name: str, figures: dict[str, Any]) -> str:
    rss = "/".join(f"{v:.0f}" for v in figures.get("worker_rss_mib", []))
    items = f"  {figures['items_per_s']:>8,.0f} items/s" if figures.get("items", 0) else ""
    errors = f"  ERRORS {figures['errors']}: {figures['first_error']}" if figures["errors"] else ""
    return (
        f"{name:<18} c{figures['concurrency']:<3} {figures['rps']:>8,.1f} req/s"
        f"  p50 {_ms(figures['p50_ms'])}  p95 {_ms(figures['p95_ms'])}"
        f"  p99 {_ms(figures['p99_ms'])}  rss {rss} MiB{items}{errors}"
    )


def _ms(value: float | None) -> str:
    return "     -" if value is None else f"{value:6.1f}"


def _run(results: dict[str, Any], name: str, c: int) -> dict[str, Any] | None:
    found: dict[str, Any] | None = results["workloads"].get(name, {}).get("runs", {}).get(str(c))
    return found


def _ratio(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float | None:
    if not a or not b or not b["rps"]:
        return None
    return round(float(a["rps"]) / float(b["rps"]), 3)


def evaluate(results: dict[str, Any], directory: Path) -> dict[str, Any]:
    """The ratios and their targets: met, not met, or not measured (None)."""
    w1 = {c: _run(results, "W1", c) for c in (1, 16)}
    w6 = results["workloads"].get("W6", {})
    figures: dict[str, float | None] = {
        "w1_over_raw_c16": _ratio(w1[16], _run(results, "B-raw", 16)),
        "w1_over_raw_c1": _ratio(w1[1], _run(results, "B-raw", 1)),
        "w1_over_before_c16": _ratio(w1[16], _run(results, "W1 before", 16)),
        "w1_over_before_c1": _ratio(w1[1], _run(results, "W1 before", 1)),
        "w1_p95_c1": w1[1]["p95_ms"] if w1[1] else None,
        "w1_p95_c16": w1[16]["p95_ms"] if w1[16] else None,
        "w1_over_open_c16": _ratio(w1[16], _run(results, "B-open", 16)),
        "w1_over_open_c1": _ratio(w1[1], _run(results, "B-open", 1)),
        "w1_over_naive_c16": _ratio(w1[16], _run(results, "B-naive", 16)),
        "w1_over_naive_c1": _ratio(w1[1], _run(results, "B-naive", 1)),
        "w1_statements": results.get("w1_statements", {}).get("count"),
        "w5_over_insert_c16": _ratio(
            _run(results, "W5 many clients", 16), _run(results, "B-insert", 16)
        ),
        "w5_over_insert_c1": _ratio(
            _run(results, "W5 many clients", 1), _run(results, "B-insert", 1)
        ),
        "w6_over_hash": round(w6["verify_events_per_s"] / w6["hash_events_per_s"], 3)
        if w6
        else None,
        "w6_events_per_s": w6.get("verify_events_per_s"),
        "w1_large_over_medium_p50_c1": None,
        "w1_large_over_medium_p95_c1": None,
    }
    scale = results.get("dataset", {}).get("scale")
    other = {"large": "medium", "medium": "large"}.get(scale or "")
    previous = directory / f"latest-{other}.json"
    if other and previous.exists():
        earlier = json.loads(previous.read_text(encoding="utf-8"))
        large, medium = (results, earlier) if scale == "large" else (earlier, results)
        a, b = _run(large, "W1", 1), _run(medium, "W1", 1)
        if a and b and b["p50_ms"] and b["p95_ms"]:
            figures["w1_large_over_medium_p50_c1"] = round(a["p50_ms"] / b["p50_ms"], 3)
            figures["w1_large_over_medium_p95_c1"] = round(a["p95_ms"] / b["p95_ms"], 3)
            figures_from = earlier.get("started")
            results["notes"].append(f"medium/large compared with the {other} run of {figures_from}")
    targets = []
    for label, key, op, bound in TARGETS:
        value = figures.get(key)
        met = None if value is None else (value >= bound if op == ">=" else value <= bound)
        targets.append({"target": f"{label} {op} {bound}", "value": value, "met": met})
    errors = {
        f"{name} c{c}": run["errors"]
        for name, workload in results["workloads"].items()
        for c, run in workload.get("runs", {}).items()
        if run["errors"]
    }
    return {"ratios": figures, "targets": targets, "errors": errors}


def table(results: dict[str, Any]) -> str:
    out = []
    data = results.get("dataset", {})
    out.append(
        f"\ninfocap bench: {data.get('scale')} ({data.get('clients', 0):,} clients, "
        f"{data.get('total_rows', 0):,} rows, loaded in {data.get('load_seconds')} s), "
        f"{results['machine']['cores']} cores, load {results['machine']['load_before'][0]:.1f}"
        f" before / {results['machine'].get('load_after', [0])[0]:.1f} after"
    )
    if results.get("before"):
        out.append(f"before-rev: {results['before']['commit']}")
    out.append("")
    out.append(
        f"{'workload':<18} {'c':<4} {'req/s':>14}  {'p50':>9}  {'p95':>9}  {'p99':>9}  worker RSS"
    )
    for name, workload in results["workloads"].items():
        for figures in workload.get("runs", {}).values():
            out.append(line(name, figures))
    w6 = results["workloads"].get("W6")
    if w6:
        out.append(
            f"W6 ledger          {w6['events']:,} events: verify {w6['verify_events_per_s']:,}/s,"
            f" B-hash {w6['hash_events_per_s']:,}/s, B-hash-raw {w6['hash_raw_events_per_s']:,}/s;"
            f" checkpoint {w6['checkpoint_tree_size']:,} events in {w6['checkpoint_seconds']} s"
        )
    statements = results.get("w1_statements")
    if statements:
        out.append(f"SQL statements per W1 request: {statements['count']}")
    for name, workload in results["workloads"].items():
        same = workload.get("same_answer")
        if same:
            out.append(
                f"{name} answers W1's first request with the same shape: {same['same_shape']},"
                f" {same['equal']}/{same['leaves']} values equal"
            )
    report = results.get("report")
    if report:
        out.append("\ntargets (issue 8):")
        for target in report["targets"]:
            mark = {True: "met", False: "NOT MET", None: "not measured"}[target["met"]]
            out.append(f"  {target['target']:<48} {target['value']!s:>10}  {mark}")
        if report["errors"]:
            out.append(f"ERRORS: {report['errors']}")
    return "\n".join(out)


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        found: dict[str, Any] = {}
        for key, item in value.items():
            found |= _leaves(item, f"{path}.{key}")
        return found
    if isinstance(value, list):
        found = {}
        for n, item in enumerate(value):
            found |= _leaves(item, f"{path}[{n}]")
        return found | {f"{path}#len": len(value)}
    return {path: value}


def compare(service: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Whether ``other`` has the service's shape (the same paths), how many of its values
    are the same, and the first few that differ."""
    a, b = _leaves(service), _leaves(other)
    shared = set(a) & set(b)
    differ = sorted(p for p in shared if a[p] != b[p])
    return {
        "same_shape": set(a) == set(b),
        "leaves": len(a),
        "equal": len(shared) - len(differ),
        "missing": sorted(set(a) - set(b))[:10],
        "extra": sorted(set(b) - set(a))[:10],
        "differ": [{"path": p, "service": a[p], "other": b[p]} for p in differ[:10]],
    }
