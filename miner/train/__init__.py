"""Training: the recipes that build encoders (fine-tuning, distillation), apart from run-time embedding.

Recipes receive their training texts as arguments (miner/train/recipes.py, distill.py); the callers read them
(miner/train/sources.py: the default taxonomy, the complaint seeds, the bundled corpus). miner/train/models.py
finds a built encoder by name or builds it, and gives the model registry (miner/embed/registry.py) its bundle.
"""
