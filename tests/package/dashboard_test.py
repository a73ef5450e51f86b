#!/usr/bin/env python3
"""Checks deploy/grafana/x400gw-dashboard.json and the metric names of
deploy/prometheus/x400gw-rules.yml against what the gateway exports.

The exported names come from the code: every "x400gw_..." string literal
registered under gateway/ (prometheus-cpp's BuildCounter/BuildGauge/
BuildHistogram or the counter()/gauge()/histogram() helpers of
gateway/metrics/metrics.cpp); a histogram also exports NAME_bucket,
NAME_sum and NAME_count. Checked:
- the dashboard is valid JSON with a Prometheus datasource variable, and
  every panel and query uses that variable (no fixed datasource uid);
- panel ids are unique and every panel has a place (gridPos);
- every x400gw_ metric name in a query, and in the rules file, is exported;
- the dashboard shows throughput, queue depth, delivery outcomes, TLS
  handshakes, sessions and database errors;
- with promtool (--promtool), every query parses as PromQL once the
  Grafana variables are replaced.

usage: dashboard_test.py SOURCE_DIR [--promtool PATH]
"""

import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile

NAME = re.compile(r"x400gw_[a-z0-9_]+")
LITERAL = re.compile(r'"(x400gw_[a-z0-9_]+)"')
KIND = re.compile(r"(counter|gauge|histogram|summary)", re.IGNORECASE)

# Each of these must appear in some query of the dashboard.
REQUIRED = {
    "throughput": ["x400gw_messages_received_total", "x400gw_messages_delivered_total"],
    "queue depth": ["x400gw_queue_messages"],
    "delivery outcomes": ["x400gw_messages_deferred_total", "x400gw_messages_failed_total"],
    "TLS handshakes": ["x400gw_tls_handshakes_total"],
    "sessions": ["x400gw_smtp_server_sessions_open", "x400gw_smtp_client_sessions_open"],
    "database errors": ["x400gw_db_errors_total"],
}

failures = []


def fail(message):
    failures.append(message)
    print("FAIL:", message)


def exported_names(source):
    """Metric names registered in the gateway's code, with a histogram's
    series names."""
    names = {}
    for path in sorted((source / "gateway").rglob("*.cpp")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in LITERAL.finditer(text):
            # The kind is the last counter/gauge/histogram word before the
            # name (the builder or the helper that registers it).
            kinds = KIND.findall(text[max(0, m.start() - 160):m.start()])
            kind = kinds[-1].lower() if kinds else "untyped"
            names[m.group(1)] = kind
    series = set(names)
    for name, kind in names.items():
        if kind in ("histogram", "summary"):
            series |= {name + "_sum", name + "_count"}
        if kind == "histogram":
            series.add(name + "_bucket")
    return names, series


def panels_of(dashboard):
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # collapsed rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source", type=pathlib.Path)
    parser.add_argument("--promtool")
    args = parser.parse_args()
    source = args.source

    names, series = exported_names(source)
    if len(names) < 10:
        fail(f"found only {len(names)} metric names under gateway/: the name scan is broken")
    print(f"{len(names)} metric families exported: {', '.join(sorted(names))}")

    path = source / "deploy/grafana/x400gw-dashboard.json"
    try:
        dashboard = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
        return 1

    for key in ("uid", "title", "panels", "templating", "schemaVersion"):
        if key not in dashboard:
            fail(f"dashboard has no {key}")

    variables = dashboard.get("templating", {}).get("list", [])
    ds_vars = [v["name"] for v in variables if v.get("type") == "datasource" and v.get("query") == "prometheus"]
    if not ds_vars:
        fail("no datasource variable of type prometheus in templating")
    allowed_uids = {f"${{{v}}}" for v in ds_vars} | {f"${v}" for v in ds_vars}
    for v in variables:
        ds = v.get("datasource")
        if v.get("type") == "query" and (not isinstance(ds, dict) or ds.get("uid") not in allowed_uids):
            fail(f"variable {v.get('name')}: datasource {ds!r} is not the datasource variable")

    queries = []
    ids = set()
    for panel in panels_of(dashboard):
        title = panel.get("title", "?")
        if "gridPos" not in panel:
            fail(f"panel {title!r} has no gridPos")
        if panel.get("id") in ids:
            fail(f"panel id {panel.get('id')} used twice")
        ids.add(panel.get("id"))
        if panel.get("type") == "row":
            continue
        targets = panel.get("targets", [])
        if not targets:
            fail(f"panel {title!r} has no query")
        for ds in [panel.get("datasource")] + [t.get("datasource") for t in targets]:
            if not isinstance(ds, dict) or ds.get("uid") not in allowed_uids:
                fail(f"panel {title!r}: datasource {ds!r} is not the datasource variable")
        for t in targets:
            if not t.get("expr"):
                fail(f"panel {title!r}: a query without expr")
                continue
            queries.append((title, t["expr"]))
    for v in variables:
        if v.get("type") == "query":
            q = v.get("query")
            queries.append((f"variable {v.get('name')}", q.get("query") if isinstance(q, dict) else q))

    used = set()
    for title, expr in queries:
        for name in NAME.findall(expr):
            used.add(name)
            if name not in series:
                fail(f"dashboard, {title!r}: {name} is not a metric the gateway exports")
    for what, wanted in REQUIRED.items():
        missing = [n for n in wanted if n not in used]
        if missing:
            fail(f"dashboard shows no {what}: {', '.join(missing)} unused")
    print(f"dashboard: {len(queries)} queries, {len(used)} metric names, all exported"
          if not failures else "dashboard: see the failures above")

    rules = source / "deploy/prometheus/x400gw-rules.yml"
    rule_text = "\n".join(line for line in rules.read_text(encoding="utf-8").splitlines()
                          if not line.lstrip().startswith("#"))
    rule_names = set(NAME.findall(rule_text))
    for name in sorted(rule_names):
        if name not in series:
            fail(f"{rules.name}: {name} is not a metric the gateway exports")
    print(f"rules: {len(rule_names)} metric names checked")

    if args.promtool:
        # Every panel query as a recording rule, Grafana's variables
        # replaced: promtool check rules parses each as PromQL.
        lines = ["groups:", "  - name: dashboard", "    rules:"]
        for i, (title, expr) in enumerate(queries):
            if expr.startswith("label_values("):
                continue
            e = (expr.replace("$__rate_interval", "5m").replace("$__interval", "1m")
                 .replace("$job", ".*").replace("$instance", ".*"))
            lines += [f"      - record: dashboard_query_{i}", f"        expr: {json.dumps(e)}"]
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
            f.write("\n".join(lines) + "\n")
        r = subprocess.run([args.promtool, "check", "rules", f.name], capture_output=True, text=True)
        pathlib.Path(f.name).unlink()
        if r.returncode != 0:
            fail("a dashboard query is not valid PromQL:\n" + r.stdout + r.stderr)
        else:
            print("dashboard: every query parses (promtool check rules)")

    if failures:
        print(f"{len(failures)} failures")
        return 1
    print("dashboard and rules: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
