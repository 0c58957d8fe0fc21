"""manage.py verify_audit [--ticket REF …]: check every ticket's audit hash chain (tickets.audit)."""

from django.core.management.base import BaseCommand, CommandError

from tickets.audit_chain import verify_chains
from tickets.models import Ticket


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chains: prints the first broken link of each broken chain "
        "(ticket reference, event id, expected vs found) and exits with status 1 when any is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ticket", action="append", dest="references", help="only this ticket (repeatable)")

    def handle(self, *args, references=None, **options):
        ticket_ids = None
        if references:
            ticket_ids = list(Ticket.objects.filter(reference__in=references).values_list("pk", flat=True))
            if len(ticket_ids) != len(set(references)):
                raise CommandError("unknown ticket reference")
        broken = 0
        for chain_break in verify_chains(ticket_ids=ticket_ids):
            broken += 1
            self.stdout.write(f"BROKEN {chain_break.describe()}")
        if broken:
            raise CommandError(f"{broken} broken audit chain(s)", returncode=1)
        self.stdout.write(self.style.SUCCESS("audit chains intact"))
