"""Session Room: a 1-on-1 tutoring room for Open edX, as an XBlock and a Django plugin app.

The package stays import-light: Django loads it as an app before settings are final, so the XBlock
class (which needs models) is only imported when someone asks for it.
"""

__version__ = "0.1.0"


def __getattr__(name):
    """Expose ``SessionRoomXBlock`` lazily, so ``sessionroom_xblock:SessionRoomXBlock`` works as an entry point."""
    if name == "SessionRoomXBlock":
        from sessionroom_xblock.block import SessionRoomXBlock

        return SessionRoomXBlock
    raise AttributeError(name)
