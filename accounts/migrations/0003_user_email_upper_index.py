"""An index on UPPER(email): the agent desk finds a customer's tickets by e-mail address in any
case (tickets.api.filters.identifier_match). Raw SQL, outside the model state: the expression is
the one the filter's `Upper("email")` compiles to on PostgreSQL and SQLite alike."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_lead_group_permissions")]

    operations = [
        migrations.RunSQL(
            'CREATE INDEX accounts_user_email_upper_idx ON accounts_user (UPPER("email"))',
            "DROP INDEX accounts_user_email_upper_idx",
        )
    ]
