"""lingtune pipeline stages: one module per DVC stage, plus the shared `core` package."""
