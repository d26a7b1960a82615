"""编辑 (editors) may pick 头条 and 置顶: the permissions of the new Pin model.

Like 0004, the list is frozen here: a later change to the roles is a new migration.
Writers get nothing: what leads the site is an editor's decision.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "编辑"
CODENAMES = ["add_pin", "change_pin", "delete_pin", "view_pin"]


def grant(apps, schema_editor):
    db = schema_editor.connection.alias
    # On a fresh database the permissions do not exist before post_migrate.
    create_permissions(
        global_apps.get_app_config("articles"), verbosity=0, interactive=False, using=db, apps=apps
    )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.using(db).get_or_create(name=EDITORS)
    group.permissions.add(
        *Permission.objects.using(db).filter(
            content_type__app_label="articles", codename__in=CODENAMES
        )
    )


def revoke(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.using(db).filter(name=EDITORS).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.using(db).filter(
                content_type__app_label="articles", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [("articles", "0011_pins"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(grant, revoke)]
