from django.db import models


class Heartbeat(models.Model):
    """The last time a Celery worker ran the heartbeat task (readiness without a shared cache)."""

    name = models.CharField(max_length=32, unique=True)
    at = models.FloatField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.at}"


class TicketCount(models.Model):
    """The open tickets counted by status, priority and SLA state (ops.ticket_counts, a beat task):
    what /metrics reports, so that a scrape reads one row instead of counting the tickets."""

    name = models.CharField(max_length=32, unique=True)
    taken_at = models.DateTimeField()
    rows = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.name} @ {self.taken_at}"
