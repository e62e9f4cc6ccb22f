"""Tests of the basedata plugin."""
