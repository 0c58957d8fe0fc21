from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from sla.reminders import customer_reminders_run
from sla.sweep import sla_sweep


class Command(BaseCommand):
    help = "Run one SLA sweep now (due clocks, escalation steps, customer reminders) and print what it did."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=settings.SLA_SWEEP_BATCH_SIZE)
        parser.add_argument(
            "--workers", type=int, default=settings.SLA_SWEEP_WORKERS, help="parallel sweepers (PostgreSQL)"
        )
        parser.add_argument("--no-reminders", action="store_true")

    def handle(self, *args, batch_size: int, workers: int, no_reminders: bool, **options) -> None:
        started = timezone.now()
        result = sla_sweep(now=started, batch_size=batch_size, workers=workers)
        seconds = (timezone.now() - started).total_seconds()
        kinds = {str(kind): count for kind, count in result.fired_by_kind.items()}
        self.stdout.write(
            f"SLA sweep: {result.clocks} due clocks in {result.batches} batches, {result.steps_fired} steps fired "
            f"({kinds}), {result.breaches} breaches, {result.emails} e-mails and "
            f"{result.webhooks} webhooks queued, {seconds:.3f} s"
        )
        if not no_reminders:
            reminders = customer_reminders_run(now=timezone.now())
            self.stdout.write(
                f"Customer reminders: {reminders.reminders} sent, {reminders.closed_pending} waiting tickets and "
                f"{reminders.closed_solved} solved tickets closed"
            )
