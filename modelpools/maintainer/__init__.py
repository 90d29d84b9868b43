"""Maintainer commands that regenerate the data files shipped in modelpools/data."""
