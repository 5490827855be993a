"""Complaints: decide which segments are pain points, from the text and the rating where there is one."""

from miner.complaints.detector import ComplaintDetector, detector_for

__all__ = ["ComplaintDetector", "detector_for"]
