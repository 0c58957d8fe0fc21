"""The throttles' window (support_desk.throttling.ResilientStore.hit): DRF's sliding window of the
requests let through, counted atomically in Redis when the throttle cache is Redis, else by get and
set in the cache (locmem in tests without REDIS_URL)."""

import threading

import pytest
from django.core.cache import caches
from django_redis.cache import RedisCache

from support_desk.throttling import ResilientStore

ON_REDIS = isinstance(caches["throttle"], RedisCache)


@pytest.fixture
def store():
    store = ResilientStore()
    yield store
    store.clear()


def test_requests_up_to_the_limit_pass_and_the_next_is_refused(store):
    results = [store.hit("t:limit", now=1000.0 + i, duration=60, limit=3)[0] for i in range(4)]

    assert results == [True, True, True, False]


def test_a_request_older_than_the_window_no_longer_counts(store):
    for i in range(2):
        store.hit("t:slide", now=1000.0 + i, duration=60, limit=2)

    allowed, in_window, oldest = store.hit("t:slide", now=1060.5, duration=60, limit=2)

    assert (allowed, in_window, oldest) == (True, 2, 1001.0)


def test_a_refused_request_is_not_counted(store):
    store.hit("t:refused", now=1000.0, duration=60, limit=1)
    store.hit("t:refused", now=1010.0, duration=60, limit=1)

    assert store.hit("t:refused", now=1060.5, duration=60, limit=1)[0] is True


def test_the_refusal_says_how_full_the_window_is_and_since_when(store):
    store.hit("t:full", now=1000.0, duration=60, limit=2)
    store.hit("t:full", now=1030.0, duration=60, limit=2)

    assert store.hit("t:full", now=1040.0, duration=60, limit=2) == (False, 2, 1000.0)


@pytest.mark.skipif(not ON_REDIS, reason="the atomic window is Redis's (REDIS_URL)")
def test_parallel_requests_cannot_pass_a_limit_together(store):
    """DRF's get-then-set let every request of a parallel burst read the same count and pass."""
    barrier = threading.Barrier(16)
    allowed = []

    def request():
        barrier.wait()
        allowed.append(store.hit("t:burst", now=1000.0, duration=60, limit=5)[0])

    threads = [threading.Thread(target=request) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert allowed.count(True) == 5 and len(allowed) == 16


@pytest.mark.skipif(not ON_REDIS, reason="the atomic window is Redis's (REDIS_URL)")
def test_the_window_expires_from_redis_with_its_duration(store):
    store.hit("t:ttl", now=1000.0, duration=60, limit=5)
    shared = caches["throttle"]

    ttl = shared.client.get_client(write=True).pttl(shared.make_key("window:t:ttl"))

    assert 59_000 < ttl <= 60_000
