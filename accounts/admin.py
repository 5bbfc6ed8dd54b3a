from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    filter_horizontal = ["units", "groups", "user_permissions"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Portal role and scope"), {"fields": ["role", "units"]}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Portal role and scope"), {"fields": ["role", "units"]}),)
