"""Time zone names: IANA names only (read by the settings and by every form)."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Files in the zone database that are no zone of their own: "localtime" is the server's
# zone, which would make visits follow wherever the portal happens to run.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """The IANA time zone names of this machine's time zone database."""
    return frozenset(
        name
        for name in available_timezones()
        if name not in _NOT_ZONES and not name.startswith(("posix/", "right/"))
    )


def is_zone(name: object) -> bool:
    """An IANA time zone name ("Europe/Amsterdam", "UTC"); never a file such as
    "localtime" (the server's own zone) or a path."""
    if not isinstance(name, str) or name not in zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
