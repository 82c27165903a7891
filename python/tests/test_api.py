"""The Python API against the nudge CLI: same records, same diagnostics."""

import json
import pickle
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest

import nudge
from conftest import EXAMPLE, NOW, RULES, nudge_eval, run_nudge

TYPO = (
    "schema { plan: string }\npolicy { channels email }\n"
    'rule r { when plann == "trial" send email "m" cooldown 1 day }\n'
)


@pytest.fixture(scope="module")
def ruleset():
    return nudge.Ruleset.load(RULES)


@pytest.fixture(scope="module")
def lines():
    return EXAMPLE.read_text().split("\n")


def test_load_hash_rules_and_sources(ruleset, nudge_bin):
    assert len(ruleset.hash) == 64
    first = json.loads(nudge_eval(nudge_bin, EXAMPLE).split(b"\n")[0])
    assert ruleset.hash == first["ruleset"]
    assert "import_guide" in ruleset.rules
    assert set(ruleset.sources) == {p.name for p in RULES.glob("*.nudge")}
    assert nudge.Ruleset.from_sources(ruleset.sources).hash == ruleset.hash
    assert isinstance(ruleset.warnings, list)
    assert repr(ruleset).startswith("<nudge.Ruleset ")


def test_records_are_the_cli_records(ruleset, lines, nudge_bin):
    expected = [json.loads(line) for line in nudge_eval(nudge_bin, EXAMPLE).splitlines()]
    got = [record for line in lines if line.strip() for record in ruleset.evaluate(line, NOW)]
    assert got == expected
    assert len(got) > 100


def test_dict_str_and_datetime_inputs_agree(ruleset, lines):
    line = lines[5]
    by_text = ruleset.evaluate(line, NOW)
    by_dict = ruleset.evaluate(json.loads(line), datetime(2026, 11, 23, 9, tzinfo=timezone.utc))
    assert by_text == by_dict
    later = datetime(2026, 11, 23, 10, tzinfo=timezone(timedelta(hours=1)))
    assert ruleset.evaluate(line, later) == by_text


def test_record_types(ruleset, lines):
    records = [r for line in lines if line.strip() for r in ruleset.evaluate(line, NOW)]
    send = next(r for r in records if r["outcome"] == "send")
    assert isinstance(send["decision_id"], str) and len(send["decision_id"]) == 32
    assert isinstance(send["because"], list) and isinstance(send["because"][0]["value"], bool)
    assert isinstance(send["params"], dict)
    assert send["now"] == NOW


def test_explain_has_a_record_per_rule(ruleset, lines, nudge_bin):
    explained = ruleset.explain(lines[0], NOW)
    assert [r["rule"] for r in explained] != []
    assert {r["rule"] for r in explained} == set(ruleset.rules)
    assert any(r["outcome"] == "no_match" for r in explained)
    cli = [json.loads(l) for l in nudge_eval(nudge_bin, EXAMPLE, "--explain").splitlines()]
    assert explained == [r for r in cli if r["customer"] == explained[0]["customer"]]


def test_bad_now_and_bad_customers(ruleset, lines):
    with pytest.raises(ValueError, match="naive datetime"):
        ruleset.evaluate(lines[0], datetime(2026, 11, 23, 9))
    with pytest.raises(ValueError, match="RFC 3339"):
        ruleset.evaluate(lines[0], "yesterday")
    with pytest.raises(TypeError):
        ruleset.evaluate(lines[0], 12)
    with pytest.raises(nudge.SnapshotError):
        ruleset.evaluate("{not json", NOW)
    with pytest.raises(nudge.SnapshotError):
        ruleset.evaluate({"plan": "trial"}, NOW)  # no id
    with pytest.raises(TypeError):
        ruleset.evaluate(42, NOW)
    assert issubclass(nudge.SnapshotError, ValueError)


def test_ruleset_error_is_nudge_check(tmp_path, nudge_bin):
    with pytest.raises(nudge.RulesetError) as caught:
        nudge.Ruleset.from_sources({"rules.nudge": TYPO})
    (tmp_path / "rules.nudge").write_text(TYPO)
    check = run_nudge(nudge_bin, "check", tmp_path, check=False)
    assert check.returncode == 1
    diagnostics_text = check.stderr.decode().rstrip("\n").rsplit("\n", 1)[0]
    assert str(caught.value) == diagnostics_text.rstrip()
    assert "rules.nudge:3:15: unknown name `plann`" in str(caught.value)
    # The error, and since language 1.1 the consent warning for `email`.
    [d] = [x for x in caught.value.diagnostics if x["severity"] == "error"]
    assert (d["file"], d["line"], d["column"]) == ("rules.nudge", 3, 15)
    assert d["code"] == "nudge::unknown_name"
    assert d["severity"] == "error"
    assert d["help"] == "did you mean `plan`?"
    assert "unknown name" in d["message"]


def test_unreadable_ruleset(tmp_path):
    with pytest.raises(nudge.RulesetError, match="no .nudge files") as caught:
        nudge.Ruleset.load(tmp_path)
    assert caught.value.diagnostics == []
    with pytest.raises(nudge.RulesetError, match="cannot read"):
        nudge.Ruleset.load(tmp_path / "missing")


def test_pickle_round_trip(ruleset, lines):
    again = pickle.loads(pickle.dumps(ruleset))
    assert again.hash == ruleset.hash
    assert again.rules == ruleset.rules
    assert again.evaluate(lines[3], NOW) == ruleset.evaluate(lines[3], NOW)


def test_batch_is_the_cli_output(ruleset, nudge_bin):
    table = ruleset.evaluate_batch(pa.array(EXAMPLE.read_text().split("\n")), NOW)
    assert table.schema == nudge.Ruleset.batch_schema()
    assert table.column("error").null_count == table.num_rows
    text = "".join(r + "\n" for r in table.column("record").to_pylist())
    assert text.encode() == nudge_eval(nudge_bin, EXAMPLE)
    explained = ruleset.evaluate_batch(pa.array(EXAMPLE.read_text().split("\n")), NOW, explain=True)
    text = "".join(r + "\n" for r in explained.column("record").to_pylist())
    assert text.encode() == nudge_eval(nudge_bin, EXAMPLE, "--explain")


def test_batch_equals_single_evaluation(ruleset, lines):
    table = ruleset.evaluate_batch(lines, NOW)
    for row in table.to_pylist()[:200]:
        records = ruleset.evaluate(lines[row["line"] - 1], NOW)
        assert json.loads(row["record"]) == records[row["seq"]]
        assert (row["customer"], row["rule"], row["outcome"]) == (
            records[row["seq"]]["customer"], records[row["seq"]]["rule"],
            records[row["seq"]]["outcome"])


def test_batch_inputs_agree(ruleset, lines):
    reference = ruleset.evaluate_batch(lines, NOW, threads=1)
    assert ruleset.evaluate_batch(pa.array(lines), NOW).equals(reference)
    assert ruleset.evaluate_batch(pa.array(lines, pa.large_string()), NOW).equals(reference)
    assert ruleset.evaluate_batch(pa.array(lines, pa.string_view()), NOW).equals(reference)
    chunked = pa.chunked_array([lines[:100], lines[100:]])
    assert ruleset.evaluate_batch(chunked, NOW, threads=2).equals(reference)
    assert ruleset.evaluate_batch(iter(lines), NOW).equals(reference)


def test_batch_bad_line_is_a_row(ruleset, lines, tmp_path, nudge_bin):
    bad = lines[:3] + ["{not json", "", None] + lines[3:6]
    table = ruleset.evaluate_batch(pa.array(bad), NOW)
    errors = [row for row in table.to_pylist() if row["error"] is not None]
    assert [row["line"] for row in errors] == [4]
    assert errors[0]["record"] is None and errors[0]["seq"] is None
    path = tmp_path / "bad.ndjson"
    path.write_text("\n".join(l or "" for l in bad))
    cli = run_nudge(nudge_bin, "eval", "--rules", RULES, "--snapshots", path, "--now", NOW, "--quiet")
    assert cli.returncode == 2
    assert f"{path}:4: {errors[0]['error']}" in cli.stderr.decode()
    good = "".join(r + "\n" for r in table.column("record").to_pylist() if r is not None)
    assert good.encode() == cli.stdout


def test_batch_argument_errors(ruleset):
    with pytest.raises(TypeError, match="string array"):
        ruleset.evaluate_batch(pa.array([1, 2]), NOW)
    with pytest.raises(TypeError, match="one string"):
        ruleset.evaluate_batch("{}", NOW)
    with pytest.raises(TypeError, match="strings"):
        ruleset.evaluate_batch([b"{}"], NOW)
    with pytest.raises(ValueError, match="threads"):
        ruleset.evaluate_batch([], NOW, threads=0)
    assert ruleset.evaluate_batch([], NOW).num_rows == 0
