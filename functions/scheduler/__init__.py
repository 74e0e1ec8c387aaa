"""Campaign scheduling in each recipient's local time (issue #4). Nothing here yet: see README."""
