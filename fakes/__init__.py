"""Local stand-ins for the media servers, for tests, benchmarks and the dev host (never for production)."""


def serve_until_interrupted(fake, banner: str) -> None:
    """Run a started fake in the foreground (``python -m fakes.…``) until Ctrl-C, then stop it."""
    import threading

    print(banner, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()
