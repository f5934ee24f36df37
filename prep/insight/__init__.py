"""What the history says: progress charts, the cohort view and the answer book.

`progress` summarises a history into figures, `cohort` compares several learners'
histories (classroom use), `answer_book` writes the best answers out as a document.
"""
