"""Helpers for the LMRL course."""
