"""Test plugin: registers an HTTP adapter, but imports a name no AstrBot release has, so AstrBot cannot load it."""

from astrbot.api.platform import register_platform_adapter, PlatformGatewayV9  # noqa: F401  (does not exist)
from astrbot.api.star import Star


@register_platform_adapter("http_adapter", "never registered")
class Never:
    pass


class BrokenImport(Star):
    pass
