"""A stand-in for the Learning MFE and the LMS's chromeless unit page (see devhost/settings_lms.py)."""
