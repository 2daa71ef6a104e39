from enum import StrEnum


class ClusterOrigin(StrEnum):
    API = "api"
    CONFIG = "config"
    SIMULATOR = "simulator"

    def __str__(self) -> str:
        return str(self.value)
