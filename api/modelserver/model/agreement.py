"""How far a candidate's predictions agree with the stable (reference) model's on the same rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence


@dataclass(frozen=True)
class Agreement:
    """The rows of one request and how many of them both models predicted alike."""

    rows: int
    agreeing_rows: int
    reference_version: str

    @property
    def complete(self) -> bool:
        """Every row's prediction equals the reference's (what ``modelserver_shadow_agreements_total`` counts)."""
        return self.rows > 0 and self.agreeing_rows == self.rows


def agreeing_rows(predictions: Sequence[Any], reference: Sequence[Any]) -> int:
    """How many rows have equal predictions; predictions of unequal length agree on none."""
    if len(predictions) != len(reference):
        return 0
    return sum(1 for mine, theirs in zip(predictions, reference) if mine == theirs)
