"""Test plugin: registers the adapter type ``http_adapter`` whose constructor raises."""

from astrbot.api.platform import Platform, register_platform_adapter
from astrbot.api.star import Context, Star


@register_platform_adapter("http_adapter", "raises in its constructor (harness test)")
class RaisingAdapter(Platform):
    def __init__(self, platform_config: dict, platform_settings: dict, event_queue) -> None:
        raise RuntimeError("acceptance test adapter refuses to start: http_port is not configurable here")

    def meta(self):  # never reached
        raise NotImplementedError

    async def run(self) -> None:  # never reached
        raise NotImplementedError


class RaisingConstructor(Star):
    def __init__(self, context: Context) -> None:
        super().__init__(context)
