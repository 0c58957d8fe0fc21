from django.db import migrations

from support_desk.migration_ops import SetFillfactor


class Migration(migrations.Migration):
    """The sweep rewrites each due clock (next_check_at): room on the page keeps the new version
    beside the old one."""

    dependencies = [("sla", "0003_lean_indexes")]

    operations = [SetFillfactor("sla_slaclock", 85)]
