"""A replayed news portal on 127.0.0.1 for end-to-end tests and `make demo`."""
