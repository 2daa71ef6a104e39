from enum import StrEnum


class Include(StrEnum):
    POD_COUNTS = "pod_counts"

    def __str__(self) -> str:
        return str(self.value)
