"""Test plugin: registers the adapter type ``http_adapter`` and asks, in requirements.txt, for a distribution no
package registry has, so its requirements layer cannot be built."""

from astrbot.api.platform import Platform, register_platform_adapter
from astrbot.api.star import Context, Star


@register_platform_adapter("http_adapter", "needs a distribution that does not exist (harness test)")
class NeverBuiltAdapter(Platform):
    def meta(self):  # never reached: the plugin is not installed
        raise NotImplementedError

    async def run(self) -> None:  # never reached
        raise NotImplementedError


class UnresolvableRequirements(Star):
    def __init__(self, context: Context) -> None:
        super().__init__(context)
