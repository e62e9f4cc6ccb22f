"""Login, logout, own password, language choice."""
