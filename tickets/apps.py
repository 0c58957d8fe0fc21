from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        # guest: the e-mail link minter; schema: the guest auth scheme; queue_version: its receivers
        # change the queue's ETag on ticket writes.
        from . import categories, emergency, guest, notifications, queue_version, schema, thresholds, webhooks  # noqa: F401

        categories.connect_signals()  # the active categories ticket creation reads from memory
        thresholds.connect_signals()  # and the large-amount thresholds
        # What the ticket e-mails read when they are sent; the ticket events webhooks receive.
        notifications.register()
        webhooks.register()
        emergency.register()  # account.freeze_requested, and its verification by the guest link

        user_logged_in.connect(_revoke_guest_links, dispatch_uid="tickets.revoke_guest_links_on_login")


def _revoke_guest_links(sender, request, user, **kwargs) -> None:
    """A customer who can log in no longer needs the private links to their tickets."""
    from django.utils import timezone

    from .guest import guest_links_revoke_for_customer

    guest_links_revoke_for_customer(user=user, now=timezone.now())
