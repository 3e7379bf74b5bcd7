"""The public transparency page: what customers said, what we did, with no personal data."""
