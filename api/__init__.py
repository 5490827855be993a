"""The HTTP API: a thin FastAPI layer over the pipeline, with workspaces, API keys and background runs."""
