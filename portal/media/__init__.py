"""Uploaded pictures: checked and re-encoded (``images``), then kept (``storage``).

Story covers use this now and staff photos will later. Every upload is decoded and re-encoded
from its pixels alone, so what we serve is never the file someone sent us.
"""
