"""Background jobs, kept in the database and run by whatever dispatches them (a thread here)."""
