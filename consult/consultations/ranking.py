"""Ranks in an options appraisal, as a council's report writes them: options with equal
totals share a rank, shown "=2", and the next option takes the rank after all of them
(1, =2, =2, 4)."""

from collections import Counter


def shared_ranks(totals):
    """The rank of each total, in the order given (highest first), as text: "1", "=2"."""
    totals = list(totals)
    counts = Counter(totals)
    first = {}
    for position, total in enumerate(totals, start=1):
        first.setdefault(total, position)
    return [f"={first[t]}" if counts[t] > 1 else str(first[t]) for t in totals]
