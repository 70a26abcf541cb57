"""Rewrite backends: one module per way of running a model, registered by name in mtcheck/registry.py."""
