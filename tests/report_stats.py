#!/usr/bin/env python3
"""Recomputes every statistic of a `nudge report --format json` file from its
counts, with Python's standard library only, and fails on any difference.

Usage: python3 tests/report_stats.py report.json
Without an argument it checks the published values it is built on first
(Newcombe 1998) and exits.
"""
import json
import math
import sys
from statistics import NormalDist

Z = NormalDist().inv_cdf(0.975)


def wilson(x, n):
    if n == 0:
        return 0.0, 1.0
    p = x / n
    denom = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denom
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(x1, n1, x2, n2):
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1)
    l2, u2 = wilson(x2, n2)
    d = p1 - p2
    return (max(-1.0, d - math.hypot(p1 - l1, u2 - p2)),
            min(1.0, d + math.hypot(u1 - p1, p2 - l2)))


def p_value(x1, n1, x2, n2):
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / se
    return 2 * (1 - NormalDist().cdf(abs(z)))


def close(a, b, what, tol=1e-9):
    if abs(a - b) > tol:
        raise SystemExit(f"{what}: nudge says {a}, Python says {b}")


def check_report(path):
    report = json.load(open(path))
    checked = 0
    for rule in report["rules"]:
        c = rule["control"]
        x2, n2 = c["converted"], c["customers"]
        lo, hi = wilson(x2, n2)
        close(c["rate_ci"][0], lo, f"{rule['rule']} control rate_ci low")
        close(c["rate_ci"][1], hi, f"{rule['rule']} control rate_ci high")
        for comp in [rule["overall"]] + rule["variants"]:
            t = comp["treated"]
            x1, n1 = t["converted"], t["customers"]
            name = f"{rule['rule']} {t['label']}"
            lo, hi = wilson(x1, n1)
            close(t["rate_ci"][0], lo, f"{name} rate_ci low")
            close(t["rate_ci"][1], hi, f"{name} rate_ci high")
            lift = comp["lift"]
            if lift is None:
                assert comp["verdict"] in ("not_enough_data", "no_control_group"), comp
                assert min(n1, n2) < report["min_sample"] or n2 == 0, comp
                continue
            close(lift["absolute"], x1 / n1 - x2 / n2, f"{name} absolute")
            lo, hi = newcombe(x1, n1, x2, n2)
            close(lift["absolute_ci"][0], lo, f"{name} absolute_ci low")
            close(lift["absolute_ci"][1], hi, f"{name} absolute_ci high")
            # NormalDist.cdf is accurate to about 1e-15 absolute near 1.
            close(lift["p_value"], p_value(x1, n1, x2, n2), f"{name} p_value", 1e-12)
            if x2 > 0:
                close(lift["relative"], (x1 / n1) / (x2 / n2) - 1, f"{name} relative")
            if x1 > 0 and x2 > 0:
                se = math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
                log_rr = math.log((x1 / n1) / (x2 / n2))
                close(lift["relative_ci"][0], math.exp(log_rr - Z * se) - 1, f"{name} relative_ci low")
                close(lift["relative_ci"][1], math.exp(log_rr + Z * se) - 1, f"{name} relative_ci high")
            verdict = "lift" if lo > 0 else "harm" if hi < 0 else "no_clear_difference"
            assert comp["verdict"] == verdict, (name, comp["verdict"], verdict)
            checked += 1
    print(f"{path}: {checked} comparisons agree with the independent computation")


def check_published():
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10.
    for (x1, n1, x2, n2), (lo, hi) in [
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
        ((6, 7, 2, 7), (0.0582, 0.8062)),
        ((5, 56, 0, 29), (-0.0381, 0.1926)),
        ((0, 10, 0, 20), (-0.1611, 0.2775)),
        ((0, 10, 0, 10), (-0.2775, 0.2775)),
        ((10, 10, 0, 20), (0.6791, 1.0)),
        ((10, 10, 0, 10), (0.6075, 1.0)),
    ]:
        got = newcombe(x1, n1, x2, n2)
        close(round(got[0], 4), lo, "published low", 1e-9)
        close(round(got[1], 4), hi, "published high", 1e-9)
    print("published Newcombe examples reproduced")


if __name__ == "__main__":
    check_published()
    for path in sys.argv[1:]:
        check_report(path)
