"""The outbox: e-mail kept in the database and sent by SMTP when a server is configured."""
