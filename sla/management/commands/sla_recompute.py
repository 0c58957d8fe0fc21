from django.core.management.base import BaseCommand
from django.utils import timezone

from sla.recompute import recompute_for_policies


class Command(BaseCommand):
    help = "Recompute the due times of every running SLA clock from the current policies and calendars."

    def handle(self, *args, **options) -> None:
        changed = recompute_for_policies(policy_ids=None, now=timezone.now())
        self.stdout.write(f"Recomputed {changed} clocks.")
