"""What listeners send without an account, and what hosts do with it.

spam.py guards the public forms (honeypot, signed fill-time token, link and size caps);
reports.py takes "I tried this" reports on advice; stories.py takes stories sent to a show's
"Did you have a great mentor?" call and lists the published ones; moderation.py is the
studio's queue of both; story_actions.py turns a story into a draft episode or a guest.
No mail is sent from here: the mail sender reads the rows (host_reply without replied_at).
"""
