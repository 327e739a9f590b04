# The REST API (issue 8): custom fields on leads, and what incremental sync reads.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('forms_builder', '0002_step_lead_field_country'),
        ('leads', '0010_over_quota'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='conversation',
            name='updated_at',
            field=models.DateTimeField(auto_now=True),
        ),
        # Existing conversations changed last at their last turn, or when they ended.
        migrations.RunSQL(
            "UPDATE leads_conversation SET updated_at = GREATEST(last_turn_at, ended_at)",
            migrations.RunSQL.noop,
        ),
        migrations.AddField(
            model_name='lead',
            name='custom_fields',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddIndex(
            model_name='conversation',
            index=models.Index(fields=['updated_at', 'id'], name='conversation_updated'),
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(fields=['updated_at', 'id'], name='lead_updated'),
        ),
    ]
