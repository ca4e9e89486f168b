"""Partner shares and memberships: change the level both ways, and time-boxed access."""
