"""django-rq's RQ_QUEUES when TASKS_BACKEND=rq (liveblog/settings.py): every queue on one Redis,
through one pool of connections per process. Given a URL instead, django-rq opens a new pool,
and so a new connection, for every task queued: 2-3 ms more on each publish that queues one."""

import redis


def rq_queues(url: str, names: list[str], timeout: int) -> dict:
    pool = redis.ConnectionPool.from_url(url)  # connects only when first used; fork-safe
    # django-rq builds `redis.Redis(host=HOST, port=PORT, **REDIS_CLIENT_KWARGS)`; given a pool,
    # Redis takes the address (and TLS, and database) from the pool alone.
    shared = {"HOST": None, "PORT": None, "REDIS_CLIENT_KWARGS": {"connection_pool": pool}}
    return {name: {**shared, "DEFAULT_TIMEOUT": timeout} for name in names}
