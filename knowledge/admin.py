from django.contrib import admin

from .models import Article, OfficialContact


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "category", "is_published", "helpful_count", "not_helpful_count", "updated_at"]
    list_filter = ["is_published", "language", "category"]
    list_editable = ["is_published"]
    search_fields = ["title", "body", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["helpful_count", "not_helpful_count", "created_at", "updated_at"]
    list_select_related = ["category"]


@admin.register(OfficialContact)
class OfficialContactAdmin(admin.ModelAdmin):
    list_display = ["channel", "value", "label", "is_active"]
    list_filter = ["channel", "is_active"]
    search_fields = ["value", "label"]
