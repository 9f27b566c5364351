"""HR's dashboard: the coming visits and how ready each candidate is."""
