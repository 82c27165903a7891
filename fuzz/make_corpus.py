#!/usr/bin/env python3
"""Fills fuzz/corpus/<target>/ with seeds derived from the repository
(rules/, examples/, tests/) and with the large crash inputs of issue 11
(generated here rather than committed). The small hand-written seeds live in
fuzz/seeds/<target>/ and are passed to libFuzzer as a second corpus
directory by run.sh. Deterministic; safe to run again."""

import glob
import os

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
NOW = "2026-11-23T09:00:00Z"


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def stem(path):
    return path.replace("/", "_")


SCHEMA = 'schema { plan: "trial" | "pro"\n  n: int\n  event logged_in }\npolicy { channels email }\n'


def rule(when):
    return SCHEMA + "rule r {\n  when " + when + '\n  send email "m"\n  cooldown 1 day\n}\n'


# ---------------------------------------------------------------- check
top = sorted(glob.glob("rules/*.nudge", root_dir=ROOT))
write("check", "rules_all.nudge", b"\n".join(read(p) for p in top))
for p in top + sorted(glob.glob("tests/**/*.nudge", root_dir=ROOT, recursive=True)):
    write("check", stem(p), read(p))
write("check", "parens_700.nudge", rule("(" * 700 + "n > 1" + ")" * 700))
write("check", "parens_10000.nudge", rule("(" * 10000 + "n > 1" + ")" * 10000))
write("check", "not_10000.nudge", rule("not " * 10000 + "n > 1"))
write("check", "neg_10000.nudge", rule("n > " + "-" * 10000 + "1"))
# An unknown name at column 70,000 (the diagnostic renderer's limit is 65,535).
write("check", "long_line_70000.nudge", rule("n > 1 and " * 7000 + "unknown_name > 1"))

# ---------------------------------------------------------------- snapshot_line
lines = read("examples/customers.ndjson").splitlines()
fixture = read("tests/fixtures/eval/customers.ndjson").splitlines()
for i, line in enumerate(lines[:40]):
    write("snapshot_line", f"customers_{i:03}.json", line)
for i, line in enumerate(fixture):
    write("snapshot_line", f"fixture_{i:03}.json", line)
write("snapshot_line", "long_line_70000.json", '{"id":"x","' + "k" * 70000 + '":1}')

# ---------------------------------------------------------------- snapshot_yaml
for i, line in enumerate(lines[:10]):
    write("snapshot_yaml", f"customer_{i:03}.yaml", line + b"\n")
write("snapshot_yaml", "three_docs.yaml", b"\n---\n".join(lines[10:13]) + b"\n")
write("snapshot_yaml", "list.yaml", b"[" + b",".join(lines[13:16]) + b"]\n")

# ---------------------------------------------------------------- rule_test
for p in sorted(glob.glob("rules/tests/*.yaml", root_dir=ROOT)) + sorted(
    glob.glob("rules/tests/snapshots/*.snap", root_dir=ROOT)
) + sorted(glob.glob("tests/fixtures/rule_tests/tests/*.yaml", root_dir=ROOT)):
    write("rule_test", stem(p), read(p))

# ---------------------------------------------------------------- server
for i, line in enumerate(lines[:10]):
    explain = "true" if i % 2 else "false"
    body = b'{"customer":' + line + f',"now":"{NOW}","explain":{explain}}}'.encode()
    write("server", f"evaluate_{i:03}.bin", b"\x00" + body)
for i in range(4):
    chunk = lines[20 + 5 * i : 25 + 5 * i] + fixture[:3]
    write("server", f"batch_{i:03}.bin", bytes([2 * i + 1]) + b"\n".join(chunk) + b"\n")

count = sum(len(os.listdir(os.path.join(FUZZ, "corpus", t))) for t in os.listdir(os.path.join(FUZZ, "corpus")))
print(f"make_corpus: {count} files in fuzz/corpus/")
