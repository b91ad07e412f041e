"""Plain-Python domain logic: no Django imports here (a test enforces it)."""
