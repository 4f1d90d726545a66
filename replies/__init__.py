"""Replies: a unit answers a reminder by email or Zalo, and what it sent is recorded as the
milestone's evidence (or extension request) through the same control/ operation as the web.

Pure (no I/O): `tokens` (the signed reply address), `reading` (an email as a reply), `content`
(what a reply's text says), `incoming` (a reply as any channel brings it), `deciding` (who may
speak for a unit), `answers` (the Vietnamese answers, from words.yaml). The I/O: `handling` (the
reply desk: claim, match, act, settle), `matching` (a reply to its milestone: its signed
address, revoked or not, or the message it answers), `keeping` (files kept as the web keeps
them), `answering`,
`mailbox` (the IMAP reader), `zalo` (the bot's updates), `running` (the readers `run` starts).
"""
