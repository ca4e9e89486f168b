"""Who has access to a creator account, ending it all at once, and checking that it stuck."""
