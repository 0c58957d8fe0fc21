"""An e-mail backend for the broadcast kill test and bench: Django's file backend, pausing
MAIL_PACE_SECONDS after each message, so a worker that must be killed mid-broadcast is still
sending when the kill comes, however fast the machine is."""

import os
import time

from django.core.mail.backends.filebased import EmailBackend


class PacedFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        pace = float(os.environ.get("MAIL_PACE_SECONDS", "0"))
        sent = 0
        for message in email_messages:
            sent += super().send_messages([message]) or 0
            if pace:
                time.sleep(pace)
        return sent
