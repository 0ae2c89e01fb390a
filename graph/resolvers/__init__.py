"""Thin resolvers: arguments → service → type. One module per noun."""
