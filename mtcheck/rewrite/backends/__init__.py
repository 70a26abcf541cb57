"""Rewrite backends: one module per way of running a model (llama_cpp, transformers, openai)."""
