"""Users, roles and what each user may see (scopes); login by session or API token."""
