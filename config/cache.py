"""The cache, which is for speed only: with Redis down or slow, a read is a miss and a write is
skipped, and the page is worked out as if there were no cache. Nothing the product keeps lives
only in the cache (sessions are in the database, sign-in lockouts too)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _forgiving(default: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except RedisError as exc:
                logger.warning("cache %s failed (%s); going without", method.__name__,
                               type(exc).__name__)  # fmt: skip
                return default() if callable(default) else default

        return call

    return wrap


class ForgivingRedisCache(RedisCache):
    get = _forgiving(None)(RedisCache.get)
    get_many = _forgiving(dict)(RedisCache.get_many)
    has_key = _forgiving(False)(RedisCache.has_key)
    set = _forgiving(None)(RedisCache.set)
    set_many = _forgiving(list)(RedisCache.set_many)
    add = _forgiving(False)(RedisCache.add)
    touch = _forgiving(False)(RedisCache.touch)
    delete = _forgiving(False)(RedisCache.delete)
    delete_many = _forgiving(None)(RedisCache.delete_many)
    clear = _forgiving(None)(RedisCache.clear)
