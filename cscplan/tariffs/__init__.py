"""tariffs."""
