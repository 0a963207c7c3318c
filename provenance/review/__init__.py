"""Editor review: the queue the machine proposes, sessions, decisions and their effects.

No terminal code here (that lives in `interactive.py` and the CLI) so a web front end can
drive the same functions.
"""
