"""Complaints: decide which segments are pain points, from the text and the rating where there is one."""

from miner.complaints.detector import ComplaintDetector

__all__ = ["ComplaintDetector"]
