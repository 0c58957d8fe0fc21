from django.db import models


class Heartbeat(models.Model):
    """The last time a Celery worker ran the heartbeat task (readiness without a shared cache)."""

    name = models.CharField(max_length=32, unique=True)
    at = models.FloatField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.at}"
