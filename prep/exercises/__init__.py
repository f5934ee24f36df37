"""Coding and SQL exercises: their content, their checks, and a safe way to run them."""
