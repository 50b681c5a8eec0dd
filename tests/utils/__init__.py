"""Factories shared by the test folders (registry frames, files as spreadsheets save them, stores)."""
