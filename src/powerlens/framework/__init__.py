"""The framework as data: concepts, definitions and reflective prompts (framework.toml)."""
