"""support_desk.redis_after_commit: a commit's cache writes go to Redis in one pipeline, each caller
gets its own answer, a rolled-back savepoint's writes are not sent, and a Redis failure reaches
each caller's fallback."""

import pytest
from django.core.cache import cache
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError

from support_desk import redis_after_commit
from support_desk.redis_after_commit import after_commit, cache_set

pytestmark = pytest.mark.skipif(not redis_after_commit.available(), reason="the pipeline is Redis's (REDIS_URL)")


@pytest.fixture
def pipelines(monkeypatch):
    """The pipelines executed (each a list of the commands it carried)."""
    sent = []
    client = cache.client.get_client(write=True)
    real_pipeline = client.pipeline

    def counting_pipeline(*args, **kwargs):
        pipeline = real_pipeline(*args, **kwargs)
        real_execute = pipeline.execute

        def execute(*a, **k):
            sent.append([command[0][1] for command in pipeline.command_stack])
            return real_execute(*a, **k)

        pipeline.execute = execute
        return pipeline

    monkeypatch.setattr(client, "pipeline", counting_pipeline)
    monkeypatch.setattr(cache.client, "get_client", lambda write=True: client)
    cache.delete_many(["rac:a", "rac:b", "rac:c"])
    return sent


def test_the_writes_of_one_commit_go_in_one_pipeline(db, pipelines, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        after_commit(cache_set("rac:a", "one"), fallback=pytest.fail)
        after_commit(cache_set("rac:b", "two"), fallback=pytest.fail)

    assert len(pipelines) == 1
    assert pipelines[0] == [cache.make_key("rac:a"), cache.make_key("rac:b")]


def test_each_caller_gets_its_own_answer(db, pipelines, django_capture_on_commit_callbacks):
    cache.set("rac:b", "already there")
    answers = {}
    with django_capture_on_commit_callbacks(execute=True):
        after_commit(cache_set("rac:a", "1", nx=True, timeout=30), reply=lambda a: answers.update(a=a), fallback=pytest.fail)
        after_commit(cache_set("rac:b", "1", nx=True, timeout=30), reply=lambda b: answers.update(b=b), fallback=pytest.fail)

    assert bool(answers["a"]) is True
    assert not answers["b"]


def test_what_was_written_reads_back_through_the_cache(db, pipelines, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        after_commit(cache_set("rac:a", "a value"), fallback=pytest.fail)
        after_commit(cache_set("rac:b", "expiring", timeout=60), fallback=pytest.fail)

    assert cache.get("rac:a") == "a value"
    assert cache.get("rac:b") == "expiring"
    assert 0 < cache.ttl("rac:b") <= 60
    assert cache.ttl("rac:a") is None  # no timeout: kept


def test_a_write_of_a_rolled_back_savepoint_is_not_sent(db, pipelines, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        after_commit(cache_set("rac:a", "kept"), fallback=pytest.fail)
        with pytest.raises(RuntimeError), transaction.atomic():
            after_commit(cache_set("rac:b", "rolled back"), fallback=pytest.fail)
            raise RuntimeError

    assert pipelines == [[cache.make_key("rac:a")]]
    assert cache.get("rac:b") is None


def test_a_write_under_a_name_already_queued_is_dropped(db, pipelines, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        after_commit(cache_set("rac:a", "first"), fallback=pytest.fail, once="version")
        after_commit(cache_set("rac:a", "second"), fallback=pytest.fail, once="version")

    assert pipelines == [[cache.make_key("rac:a")]]
    assert cache.get("rac:a") == "first"


def test_outside_a_transaction_the_write_is_sent_at_once(transactional_db, pipelines):
    after_commit(cache_set("rac:c", "now"), fallback=pytest.fail)

    assert pipelines == [[cache.make_key("rac:c")]]
    assert cache.get("rac:c") == "now"


def test_a_redis_failure_reaches_every_callers_fallback(db, monkeypatch, django_capture_on_commit_callbacks):
    client = cache.client.get_client(write=True)
    broken = client.pipeline(transaction=False)
    broken.execute = lambda *a, **k: (_ for _ in ()).throw(RedisConnectionError("Redis down"))
    monkeypatch.setattr(client, "pipeline", lambda *a, **k: broken)
    monkeypatch.setattr(cache.client, "get_client", lambda write=True: client)
    failures, answers = [], []
    with django_capture_on_commit_callbacks(execute=True):
        after_commit(cache_set("rac:a", "x"), reply=answers.append, fallback=failures.append)
        after_commit(cache_set("rac:b", "y"), reply=answers.append, fallback=failures.append)

    assert [type(error) for error in failures] == [RedisConnectionError, RedisConnectionError]
    assert answers == []
