"""Report: the top pain points by touchpoint, as data, a table, JSON or CSV."""

from miner.report.top import top_pain_points

__all__ = ["top_pain_points"]
