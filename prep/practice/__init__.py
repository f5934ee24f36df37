"""What to practise next: FSRS scheduling replayed from the history, and picks for a mock.

`schedule` turns attempts into due dates and the next-up list; `replay_cache` keeps the
replay on disk so a large history is not replayed from scratch in every session.
"""
