"""Offices, kept once and picked for each visit."""
