"""Mail: the outbox (queue_message, in the caller's transaction), SMTP delivery with retries
(deliver_due), opt-outs with signed unsubscribe tokens, and what is due to be mailed (digests,
follow-ups, replies, review activity). No Flask here: composing messages from templates is
showapp/mail's job."""
