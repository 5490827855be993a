"""Engines that run `mine` somewhere other than this process: `ray` (Ray Data, local or a cluster)."""
