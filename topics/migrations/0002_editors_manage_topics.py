"""编辑 (editors) manage 专题 and the menu: the permissions of the topics app's models.

Like articles' 0004 and 0012, the list is frozen here: a later change to the roles is
a new migration. Writers (撰稿) get nothing: what a 专题 holds and what the menu shows
are an editor's decisions.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "编辑"
MODELS = ["topic", "topicentry", "navitem"]
CODENAMES = [f"{action}_{model}" for model in MODELS for action in ("add", "change", "delete", "view")]


def grant(apps, schema_editor):
    db = schema_editor.connection.alias
    # On a fresh database the permissions do not exist before post_migrate.
    create_permissions(
        global_apps.get_app_config("topics"), verbosity=0, interactive=False, using=db, apps=apps
    )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.using(db).get_or_create(name=EDITORS)
    group.permissions.add(
        *Permission.objects.using(db).filter(content_type__app_label="topics", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.using(db).filter(name=EDITORS).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.using(db).filter(
                content_type__app_label="topics", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("topics", "0001_initial"),
        ("articles", "0004_editor_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
