"""Tokenisation, done once per utterance and shared by every measure."""

from powerlens.language.tokenize import Tokens, token_spans, tokenize, tokenize_conversation

__all__ = ["Tokens", "token_spans", "tokenize", "tokenize_conversation"]
