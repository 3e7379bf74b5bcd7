"""User-test studies: planning, recruitment, invitations and scheduling."""
