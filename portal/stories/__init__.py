"""Culture stories: staff write them, HR reviews and publishes them, candidates read them."""
