from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import AgentProfile, CustomerProfile, User


class CustomerProfileInline(admin.StackedInline):
    model = CustomerProfile
    can_delete = False
    extra = 0


class AgentProfileInline(admin.StackedInline):
    model = AgentProfile
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [CustomerProfileInline, AgentProfileInline]
    list_display = ["username", "email", "first_name", "last_name", "role_groups", "is_active", "last_login"]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser", "customer_profile__tier"]
    search_fields = ["username", "email", "first_name", "last_name", "customer_profile__exchange_uid"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def role_groups(self, user: User) -> str:
        return ", ".join(group.name for group in user.groups.all()) or "customer"


@admin.register(CustomerProfile)
class CustomerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "exchange_uid", "tier", "language"]
    list_filter = ["tier", "language"]
    search_fields = ["user__username", "user__email", "exchange_uid"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "tier", "languages"]
    list_filter = ["tier"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
