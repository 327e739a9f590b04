"""Data care (GDPR): find what the workspace holds about a contact by e-mail, export it, erase
it everywhere (every app contributes the erasers of its own tables, see erasure.py), and delete
transcripts and events past the workspace's retention period."""
