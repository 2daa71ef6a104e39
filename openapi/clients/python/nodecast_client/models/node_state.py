from enum import StrEnum


class NodeState(StrEnum):
    CANCELLED = "cancelled"
    CORDONING = "cordoning"
    DRAINED = "drained"
    EVICTING = "evicting"
    FAILED = "failed"
    PENDING = "pending"

    def __str__(self) -> str:
        return str(self.value)
