"""site-builder: a static-site generator for explainers."""

__version__ = "0.1.0"
