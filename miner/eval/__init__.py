"""Evaluation against labelled JSONL sets: accuracy@1, macro-F1 and complaint F1.

Each set is scored on what `touchpoints mine` stores for it: the items are mined with the one pipeline
(miner/pipeline/) into a temporary database, and an item's touchpoint is the rank-0 touchpoint of its complaint
clause with the highest rank-0 score (`none` when no complaint clause was mapped); see miner/eval/predict.py."""
