from enum import StrEnum


class OperationKind(StrEnum):
    DRAIN = "drain"

    def __str__(self) -> str:
        return str(self.value)
