"""Evaluation against labelled JSONL sets: accuracy@1, macro-F1 and complaint F1."""
