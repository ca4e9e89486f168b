"""Removal requests: where the policy refuses a removal, ask the admins who can act, tracked."""
