"""Attacks performed through the public contract; each asserts the attack has no effect."""
