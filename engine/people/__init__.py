"""People: the team directory, roles resolved from it, who holds each case's work, inboxes, who may see what."""
