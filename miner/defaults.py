"""Defaults shared by the CLI, the API settings and the library, in a module light enough for `--help`."""

DEFAULT_EMBEDDING = "tuned"
EMBEDDING_HELP = (
    "'tuned' (MiniLM fine-tuned on the taxonomy's examples; built once, see `touchpoints setup-models`), "
    "'minilm' (the packaged all-MiniLM-L6-v2), 'fast' (model2vec, see `touchpoints setup-fast`) "
    "or a sentence-transformers path."
)
