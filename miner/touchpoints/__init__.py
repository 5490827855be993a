"""Touchpoint taxonomy and the mappers that assign segments to touchpoints."""

from miner.touchpoints.taxonomy import Taxonomy, Touchpoint, load_taxonomy

__all__ = ["Taxonomy", "Touchpoint", "load_taxonomy"]
