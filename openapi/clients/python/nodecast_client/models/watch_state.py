from enum import StrEnum


class WatchState(StrEnum):
    LISTING = "listing"
    RECONNECTING = "reconnecting"
    WATCHING = "watching"

    def __str__(self) -> str:
        return str(self.value)
