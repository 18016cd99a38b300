"""Tutor plugin for Session Room (sessionroom-xblock)."""

__version__ = "0.1.0"
