"""A conversation that joined a lead on a typed e-mail is marked unverified and keeps what it
claimed (leads/claims.py); a member taking a claimed value is a kind of lead activity. Both
columns have constant defaults: PostgreSQL adds them without rewriting the table."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0014_conversation_token_constraint'),
    ]

    operations = [
        migrations.AddField(
            model_name='conversation',
            name='claims',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='conversation',
            name='unverified',
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name='leadactivity',
            name='kind',
            field=models.CharField(choices=[('assigned', 'Assigned'), ('unassigned', 'Unassigned'), ('band_changed', 'Band changed'), ('hot_alert', 'Hot lead alert sent'), ('overdue_alert', 'Overdue alert sent'), ('claim_accepted', 'Claimed value taken')], max_length=14),
        ),
    ]
