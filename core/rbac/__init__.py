"""Users, roles, permissions and data scope."""
