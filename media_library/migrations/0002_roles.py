"""The newsroom's groups and the library: writers (撰稿) upload, correct and use pictures;
editors (编辑) may also delete one that no article uses.

Like articles 0004, the lists are frozen here: a later change to the roles is a new
migration.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "撰稿": ["add_mediaimage", "change_mediaimage", "view_mediaimage"],
    "编辑": ["add_mediaimage", "change_mediaimage", "delete_mediaimage", "view_mediaimage"],
}


def _permissions(apps, db, codenames):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.using(db).filter(
        content_type__app_label="media_library", codename__in=codenames
    )


def grant(apps, schema_editor):
    db = schema_editor.connection.alias
    # On a fresh database the permissions do not exist before post_migrate.
    create_permissions(
        global_apps.get_app_config("media_library"),
        verbosity=0,
        interactive=False,
        using=db,
        apps=apps,
    )
    Group = apps.get_model("auth", "Group")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.using(db).get_or_create(name=name)
        group.permissions.add(*_permissions(apps, db, codenames))


def revoke(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    for name, codenames in ROLES.items():
        group = Group.objects.using(db).filter(name=name).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, db, codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("media_library", "0001_initial"),
        # The groups are made there; get_or_create above keeps either order safe.
        ("articles", "0004_editor_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
