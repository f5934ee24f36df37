"""What the workbook teaches: questions, tips and the coach's word lists, loaded and validated.

`loader` reads the repository's `data/` files (the article's questions, the question bank
in `data/questions/`, tips, guides, the coach's lexicon) into frozen records.
"""
