"""The built-in peer-to-peer provider: two browsers talk WebRTC directly; we only relay signaling.

There is no media server, so the room always "exists", presence comes from heartbeats, and there are no
recordings. When the operator names a media-server provider as ``FALLBACK``, the browser switches to it
if the direct connection is not up within ``CONNECT_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

from sessionroom_xblock.providers.base import (
    JoinTicket,
    Participant,
    Presence,
    RecordingInfo,
    RoomInfo,
    RoomSpec,
    VideoProvider,
)


class PeerToPeerProvider(VideoProvider):
    """WebRTC between the two participants, signaling through the plugin's own handlers."""

    name = "p2p"
    required_settings = ()

    @classmethod
    def is_configured(cls, config) -> bool:
        """Always available: it needs no server (STUN/TURN are optional)."""
        return True

    def ensure_room(self, spec: RoomSpec) -> RoomInfo:
        """Nothing to create: the room is the pair of browsers."""
        return RoomInfo(room_id=spec.room_id)

    def join_ticket(self, room: RoomInfo, spec: RoomSpec, participant: Participant) -> JoinTicket:
        """ICE servers and timing for the browser; the tutor makes no offer first (perfect negotiation)."""
        config = self.config or {}
        return JoinTicket(
            kind="p2p",
            config={
                "iceServers": list(config.get("ICE_SERVERS", [])),
                "fallback": config.get("FALLBACK", ""),
                "connectTimeoutSeconds": int(config.get("CONNECT_TIMEOUT_SECONDS", 20)),
                "polite": not participant.is_moderator,
            },
        )

    def presence(self, room_id: str) -> Presence:
        """Heartbeats are the only presence signal for a p2p room."""
        return Presence(running=True)

    def end_room(self, room_id: str) -> None:
        """Ending is the "bye" each browser receives through signaling."""

    def list_recordings(self, room_id: str) -> list[RecordingInfo]:
        """Peer-to-peer calls are not recorded."""
        return []


PROVIDER = PeerToPeerProvider
