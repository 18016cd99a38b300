"""Video providers behind one interface (``base.VideoProvider``): ``p2p`` (built in), ``bbb``, ``plugnmeet``."""
