"""Topics: cluster each touchpoint's complaints into specific, labelled pain points with BERTopic."""

from miner.topics.clusterer import PainPoint, PainPointModel

__all__ = ["PainPoint", "PainPointModel"]
