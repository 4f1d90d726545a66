"""Replies: a unit answers a reminder by email or Zalo, and what it sent is recorded as the
milestone's evidence (or extension request) through the same control/ operation as the web.

Pure modules (no I/O): `tokens` (the signed reply address), `reading` (an email as a reply),
`content` (what a reply's text says: a document number and date, links, an extension asked for),
`deciding` (which milestone, and whether the sender may speak for it). The I/O: `handling`
(record, answer), `mailbox` (the IMAP reader), `zalo` (the bot's updates).
"""
