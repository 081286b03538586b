"""Guest review: signed review links for a draft episode, and what guests comment and approve."""
