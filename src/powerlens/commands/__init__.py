"""CLI commands beyond ``analyze``, one module each, each exposing ``register(app)``."""
