"""Type stubs for the nudge extension module (built from python/src/)."""

from datetime import datetime
from os import PathLike
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

import pyarrow

__version__: str

Now = Union[datetime, str]
"""An aware datetime, or an RFC 3339 string such as ``"2026-11-23T09:00:00Z"``."""

Record = Dict[str, Any]
"""A decision record: the JSON object ``nudge eval`` writes, as a dict."""

Diagnostic = Dict[str, Any]
"""severity, code, message, file, line, column, end_line, end_column, label, help."""

class RulesetError(Exception):
    """The rules could not be loaded.

    ``str(error)`` is the diagnostic text ``nudge check`` prints (every error
    and warning, with file:line:column, the source excerpt and a help line).
    """

    diagnostics: List[Diagnostic]

class SnapshotError(ValueError):
    """A customer snapshot could not be read (the reason ``nudge eval`` reports)."""

class Ruleset:
    """A checked ruleset, ready to evaluate; picklable by its source texts."""

    @staticmethod
    def load(path: Union[str, "PathLike[str]"]) -> "Ruleset":
        """Loads and checks every ``.nudge`` file under the directory ``path``.

        Raises RulesetError when the rules have errors or cannot be read.
        """

    @staticmethod
    def from_sources(sources: Mapping[str, str]) -> "Ruleset":
        """Builds a ruleset from ``{name: text}`` (names relative to the ruleset directory)."""

    @property
    def hash(self) -> str:
        """SHA-256 of the ruleset's files, as in every record's ``ruleset``."""

    @property
    def rules(self) -> List[str]:
        """The rule names, in arbitration order."""

    @property
    def sources(self) -> Dict[str, str]:
        """The source files, ``{name: text}``."""

    @property
    def warnings(self) -> List[Diagnostic]:
        """The checker's warnings."""

    def evaluate(self, customer: Union[Mapping[str, Any], str], now: Now) -> List[Record]:
        """The decision records for one customer (a dict or a JSON string) at ``now``.

        One record per rule whose ``when`` held or failed, in arbitration order
        (``no_match`` rules are left out). Raises SnapshotError for a customer
        that cannot be read.
        """

    def explain(self, customer: Union[Mapping[str, Any], str], now: Now) -> List[Record]:
        """Like evaluate, with a ``no_match`` record for every other rule (``nudge eval --explain``)."""

    def evaluate_batch(
        self,
        lines: Union["pyarrow.Array", "pyarrow.ChunkedArray", Iterable[str]],
        now: Now,
        *,
        explain: bool = False,
        threads: Optional[int] = None,
    ) -> "pyarrow.Table":
        """Evaluates snapshot lines (NDJSON lines; blank lines are skipped).

        A pyarrow string array (utf8, large_utf8 or utf8_view) is read in Rust
        without Python objects; the GIL is released while evaluating on
        ``threads`` threads (default: all cores). Returns one row per decision
        and one per rejected line, with the columns of ``batch_schema()``:
        ``line`` (1-based position in ``lines``), ``seq`` (the record's index
        for its customer), customer, rule, outcome, channel, message,
        deliver_at, reason, decision_id, ``record`` (the NDJSON line ``nudge
        eval`` writes) and ``error`` (why a line was rejected, else null).
        """

    @staticmethod
    def batch_schema() -> "pyarrow.Schema":
        """The columns of evaluate_batch's table."""

    def __reduce__(self) -> Tuple[Any, Tuple[Dict[str, str]]]: ...

def _from_sources(sources: Mapping[str, str]) -> Ruleset: ...
