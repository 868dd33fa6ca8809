"""Content checks: names and titles, sensitive words, personal data, hidden links, replies.

Each check takes plain inputs (text blocks with their DOM paths, link records with style
facts, attachment bytes, list rows) and returns frozen findings with their evidence; see
docs/content.md for the API and the formats of the lists a team supplies.
"""
