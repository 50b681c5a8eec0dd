"""Commands of this stage (to be filled by its owner)."""
