"""署名与简介 on the account page: how readers see a staff member (bylines, author pages)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from ..models import Profile


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["display_name", "bio"]
    verbose_name_plural = "署名与简介（读者可见，绝不显示登录名）"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class NewsroomUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, ProfileInline]
