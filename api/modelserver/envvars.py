"""Typed settings from environment variables: unset or blank means the default; a bad value raises the
caller's error class with a message that names the variable."""

from __future__ import annotations

from typing import Mapping, Optional, Type

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_text(env: Mapping[str, str], name: str) -> Optional[str]:
    """The stripped value, or None when unset or blank."""
    value = env.get(name, "").strip()
    return value or None


def env_int(env: Mapping[str, str], name: str, default: int, minimum: int, error: Type[ValueError]) -> int:
    """An integer of at least ``minimum``."""
    raw = env_text(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise error(f"{name} must be an integer >= {minimum}, got {raw!r}") from None
    if value < minimum:
        raise error(f"{name} must be an integer >= {minimum}, got {raw!r}")
    return value


def env_bool(env: Mapping[str, str], name: str, default: bool, error: Type[ValueError]) -> bool:
    """A boolean spelled 1/0, true/false, yes/no or on/off."""
    raw = env_text(env, name)
    if raw is None:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise error(f"{name} must be one of 1/0, true/false, yes/no, on/off, got {raw!r}")
