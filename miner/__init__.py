"""touchpoint-miner: mine customer feedback for pain points and the touchpoints that cause them."""

__version__ = "0.1.0"
