"""Speed measurements: each prints a figure, its baseline measured in the same run on the
same machine, and the ratio. Run with ``make bench`` (PostgreSQL and Redis needed)."""
