from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import connection, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django_tenants.clone import CloneSchema
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import schema_exists

from leads.qualification.engines import ENGINE_NAMES

# Slugs name a workspace in URLs (/w/<slug>/, <slug>.parley.app) and in its schema name, so they
# are lower-case ASCII, start with a letter and never collide with a route or a system name.
WORKSPACE_SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$"
RESERVED_WORKSPACE_SLUGS = frozenset(
    {
        "admin",
        "api",
        "app",
        "assets",
        "auth",
        "billing",
        "blog",
        "cdn",
        "dashboard",
        "docs",
        "embed",
        "help",
        "healthz",
        "login",
        "logout",
        "mail",
        "media",
        "parley",
        "pg-catalog",
        "public",
        "root",
        "signup",
        "static",
        "status",
        "support",
        "system",
        "template",
        "w",
        "webhooks",
        "workspace-template",
        "workspaces",
        "www",
    }
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. One login reaches every workspace they are a member of."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.email

    @property
    def display_name(self):
        return self.full_name or self.email


def qualification_engine_validate(name: str) -> None:
    # Checked against the registry rather than listed as choices, so that a new engine does not
    # call for a migration.
    if name not in ENGINE_NAMES:
        raise ValidationError(f"Unknown qualification engine {name!r}.")


class PriorityScoreWeight(models.TextChoices):
    """Where the score weighs in the call queue (leads/prioritization.py): always after status
    and urgency; before or after BANT completeness."""

    BANT_FIRST = "bant_first", "BANT completeness first, then the score"
    SCORE_FIRST = "score_first", "The score first, then BANT completeness"


# The retention periods a workspace may choose; None (the default) keeps everything. Few and
# long on purpose: a shorter one would delete conversations sales have not called about yet.
RETENTION_CHOICES = [
    (None, "Never: keep them"),
    (90, "90 days"),
    (180, "180 days"),
    (365, "365 days"),
]


class Workspace(TenantMixin):
    """A customer business; its forms and leads live in its own PostgreSQL schema."""

    name = models.CharField(max_length=100)
    slug = models.CharField(
        max_length=40,
        unique=True,
        validators=[RegexValidator(WORKSPACE_SLUG_PATTERN)],
    )
    created_at = models.DateTimeField(default=timezone.now)
    # How leads are qualified (leads.services.leads.lead_qualify): the engine, and how many of
    # budget confirmed / decision maker an SQL needs besides a need and a near timing
    # (FORMAT.md: 1).
    qualification_engine = models.CharField(
        max_length=20, default="offline", validators=[qualification_engine_validate]
    )
    sql_min_buying_signals = models.PositiveSmallIntegerField(
        "Buying signals an SQL needs",
        choices=[
            (1, "One: a confirmed budget or a decision maker"),
            (2, "Two: a confirmed budget and a decision maker"),
        ],
        default=1,
    )
    # The one knob on the call queue's order (leads/prioritization.py), bounded by its choices.
    priority_score_weight = models.CharField(
        "Score in the call queue",
        max_length=12,
        choices=PriorityScoreWeight.choices,
        default=PriorityScoreWeight.BANT_FIRST,
    )
    # How soon a lead of each band must be called (leads/prioritization.py); the automated
    # band has no service level, and neither has nurture when its delay is left empty.
    sla_hot_minutes = models.PositiveIntegerField(
        "Call within the hour: call within (minutes)",
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(7 * 24 * 60)],
    )
    sla_today_minutes = models.PositiveIntegerField(
        "Call today: call within (minutes)",
        default=8 * 60,
        validators=[MinValueValidator(5), MaxValueValidator(14 * 24 * 60)],
    )
    sla_nurture_minutes = models.PositiveIntegerField(
        "Nurture: follow up within (minutes)",
        null=True,
        blank=True,
        default=3 * 24 * 60,
        validators=[MinValueValidator(60), MaxValueValidator(90 * 24 * 60)],
    )

    # How long visitors' words and behaviour are kept (leads/privacy/retention.py, run daily):
    # transcripts and events older than this are deleted; None keeps them.
    retention_days = models.PositiveSmallIntegerField(
        "Delete transcripts and events after",
        choices=RETENTION_CHOICES,
        null=True,
        blank=True,
        default=None,
    )

    # Deleting a workspace is an explicit, audited operation, never a cascade from a row.
    auto_drop_schema = False
    auto_create_schema = True
    # Copy the template's rows too: it holds no customer data, only the migration history and
    # content types, which spares the clone's follow-up `migrate --fake` any work.
    clone_mode = "DATA"

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Give the workspace its schema without running a migration: take a spare schema (a
        rename, see tenants/spares.py) or, when none is free, clone the template schema. Either
        way the schema carries the template's migration history (clone_mode DATA), so the
        `migrate_schemas --fake` django-tenants would run next would record nothing and only cost
        time. Without a template (a database migrated by hand), fall back to django-tenants."""
        from tenants.spares import spare_schema_take  # tenants.spares imports this module

        if not sync_schema or not schema_exists(settings.TENANT_BASE_SCHEMA):
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        if check_if_exists and schema_exists(self.schema_name):
            return False
        if settings.WORKSPACE_SPARE_SCHEMAS and spare_schema_take(schema_name=self.schema_name):
            return True
        schema_clone_from_template(self.schema_name)
        connection.set_schema_to_public()
        return True

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        # A workspace routed by tenants/routing.py holds its address only: the first other field
        # a request reads loads them all, in one query rather than one per field.
        deferred = self.get_deferred_fields()
        if fields is not None and deferred and set(fields) <= deferred:
            fields = deferred
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)

    @staticmethod
    def schema_name_for_slug(slug: str) -> str:
        return "ws_" + slug.replace("-", "_")


def schema_clone_from_template(schema_name: str) -> None:
    """Create `schema_name` as a copy of the template schema, rows (migration history, content
    types) included."""
    with transaction.atomic(), connection.cursor() as cursor:
        # The clone function's privilege queries over information_schema get a merge-join
        # plan that takes over a second (measured: 1.2 s, against 0.06 s without merge joins;
        # see bench/workspace_signup.py). The setting lasts for the clone only.
        cursor.execute("SET LOCAL enable_mergejoin = off")
        CloneSchema().clone_schema(settings.TENANT_BASE_SCHEMA, schema_name, Workspace.clone_mode)
        cursor.execute("RESET enable_mergejoin")


class SpareSchema(models.Model):
    """A schema cloned from the template ahead of time, waiting for a signup to rename it to the
    new workspace's schema (tenants/spares.py). It lives outside django-tenants: no Workspace row
    names it, so migrate_schemas never migrates it and replaces it instead."""

    name = models.CharField(max_length=63, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.name


class Domain(DomainMixin):
    """A host name that reaches one workspace (a subdomain or a customer's own domain)."""


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


# Roles ordered by what they may do; a check asks for "at least" one of them.
ROLE_RANK = {Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "workspace"], name="membership_unique")
        ]
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.user} in {self.workspace} as {self.role}"

    def has_role(self, minimum: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[minimum]


class Invitation(models.Model):
    """An e-mailed invitation; the link carries a signed, expiring token naming this row."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} to {self.workspace}"

    @property
    def is_pending(self):
        return self.accepted_at is None


class ApiScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"


class ApiKey(models.Model):
    """A workspace's key to the REST API (/api/v1/). The key alone names the workspace, so it
    lives in the public schema. Only a SHA-256 of its secret is kept: the full key is shown once,
    when it is created (tenants/api_keys.py)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    # Shown in the dashboard and in the key itself; finds the row before the hash is compared.
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = ArrayField(models.CharField(max_length=5, choices=ApiScope.choices))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class UnqueuedTask(models.Model):
    """A task a request could not hand to the broker (Redis down): kept here, in the public schema
    with the schema it belongs to, and queued again by beat's requeue-unqueued-tasks once the
    broker is back (tenants/transactions.py, tenants/tasks.py)."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    schema_name = models.CharField(max_length=63)
    # When it was to run (a webhook attempt's back-off): queued again with what is left of it.
    not_before = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.task_name}{tuple(self.args)} in {self.schema_name}"
