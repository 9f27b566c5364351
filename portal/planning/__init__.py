"""HR plans visits: the visit form, the agenda builder, templates and invitations."""
