"""Local stand-ins for the media servers, for tests, benchmarks and the dev host (never for production)."""
