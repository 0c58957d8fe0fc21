"""Limits on the account mails: per client IP, and per target address (so nobody floods one inbox
with reset or confirmation links). They work on Django requests too (the password reset form)."""

from support_desk.throttling import EmailThrottle, PublicThrottle


class AccountMailIpThrottle(PublicThrottle):
    scope = "account_mail_ip"


class AccountMailEmailThrottle(EmailThrottle):
    scope = "account_mail_email"

    def request_data(self, request):
        return request.data if hasattr(request, "data") else request.POST
