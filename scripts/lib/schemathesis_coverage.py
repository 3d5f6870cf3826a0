"""Summarize which API operations schemathesis reached past authentication.

Reads the OpenAPI document and the HAR files of the schemathesis runs, maps
each request to its operation (method + path template) and prints, per
operation, the status codes seen; then how many operations got at least one
answer that is neither 401 nor 403 (2xx, or a 4xx about the request itself),
so a run that only ever reached the authentication check shows up. A
redirect to a login page (the staff console's answer without a session)
counts as an authentication failure too.

Usage: python3 schemathesis_coverage.py OPENAPI.yaml BASE_PATH HAR...
"""

import json
import re
import sys
from collections import defaultdict
from urllib.parse import urlsplit

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def operations(openapi_text):
    """(method, template) pairs from the `paths:` block, without a YAML parser."""
    ops, path = [], None
    in_paths = False
    for line in openapi_text.splitlines():
        if line.startswith("paths:"):
            in_paths = True
            continue
        if in_paths and line and not line.startswith(" "):
            break
        if not in_paths:
            continue
        m = re.match(r"^  (/\S*):\s*$", line)
        if m:
            path = m.group(1)
            continue
        m = re.match(r"^    ([a-z]+):\s*$", line)
        if m and path and m.group(1) in METHODS:
            ops.append((m.group(1).upper(), path))
    return ops


def matcher(template):
    pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
    return re.compile("^" + pattern + "$")


def main():
    spec, base, hars = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3:]
    ops = operations(open(spec, encoding="utf-8").read())
    # Literal segments win over templated ones (/me/card.svg before /me/{id}).
    ordered = sorted(ops, key=lambda o: o[1].count("{"))
    matchers = [(o, matcher(o[1])) for o in ordered]
    seen = defaultdict(lambda: defaultdict(int))
    for har in hars:
        try:
            entries = json.load(open(har, encoding="utf-8"))["log"]["entries"]
        except (OSError, ValueError, KeyError):
            print(f"(no HAR at {har})")
            continue
        for e in entries:
            method = e["request"]["method"].upper()
            path = urlsplit(e["request"]["url"]).path
            if not path.startswith(base):
                continue
            path = path[len(base):] or "/"
            status = e["response"]["status"]
            location = next(
                (h["value"] for h in e["response"].get("headers", [])
                 if h["name"].lower() == "location"),
                "",
            )
            if 300 <= status < 400 and "/login" in location:
                status = "login"
            for (m, template), rx in matchers:
                if m == method and rx.match(path):
                    seen[(m, template)][status] += 1
                    break
    past_auth = 0
    for op in ops:
        statuses = seen.get(op, {})
        ok = any(s not in (401, 403, "login") for s in statuses)
        past_auth += ok
        shown = " ".join(
            f"{s}x{n}" for s, n in sorted(statuses.items(), key=lambda i: str(i[0]))
        ) or "never called"
        print(f"{'  ' if ok else '! '}{op[0]:6} {op[1]:32} {shown}")
    print(f"operations answered past authentication: {past_auth} of {len(ops)}")


if __name__ == "__main__":
    main()
