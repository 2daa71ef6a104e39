from enum import StrEnum


class PodState(StrEnum):
    BLOCKED = "blocked"
    EVICTING = "evicting"
    FAILED = "failed"
    GONE = "gone"
    PENDING = "pending"
    SKIPPED = "skipped"
    TERMINATING = "terminating"
    WOULD_EVICT = "would_evict"

    def __str__(self) -> str:
        return str(self.value)
