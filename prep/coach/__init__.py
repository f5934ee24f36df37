"""The answer coach: reads one answer and says what it covers and how it would sound.

`analysis` finds talking points, STAR elements and delivery habits; `textstats` counts
words and speaking time; `compose` writes the follow-up email from a tip card's fields.
Pure functions only: no files, no widgets.
"""
