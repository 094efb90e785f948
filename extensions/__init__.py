"""Jinja extensions of the template: pure functions plus the classes that register them."""
