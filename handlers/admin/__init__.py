"""Administration use cases: imports, roles and invitations, the demo district."""
