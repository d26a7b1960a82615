"""The newsroom groups as the migrations make them, for transactional tests.

A transactional test empties the database when it ends, groups included, so a later
one rebuilds them from the migrations' own frozen lists rather than trusting they
survived: 0004 (撰稿, 编辑) and 0012 (编辑 may pick 头条 and 置顶).
"""

import importlib

from django.contrib.auth.models import Group, Permission


def ensure_roles() -> None:
    roles = importlib.import_module("articles.migrations.0004_editor_workflow").ROLES
    pins = importlib.import_module("articles.migrations.0012_editors_pin_stories")
    for name, by_app in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = [(app, codename) for app, codenames in by_app.items() for codename in codenames]
        if name == pins.EDITORS:
            wanted += [("articles", codename) for codename in pins.CODENAMES]
        group.permissions.set(
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in wanted
        )
