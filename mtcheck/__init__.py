"""mtcheck: find English that reads as machine-translated from Russian, explain it, and propose verified rewrites."""

__version__ = "0.1.0"
