from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from notifications.services import register_link_minter

        from . import services, tokens, twofactor  # noqa: F401 - their signal receivers

        # Account mails carry links minted by the worker as it sends them (never stored in the outbox).
        register_link_minter(services.PASSWORD_RESET_MINTER, services.password_reset_link)
        register_link_minter(services.EMAIL_CONFIRM_MINTER, services.email_confirm_link)
