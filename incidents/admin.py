from django.contrib import admin

from incidents.models import (
    ApiToken,
    Byline,
    Change,
    Contributor,
    CorrectionSuggestion,
    Revision,
    Story,
    Tag,
    Update,
)


class BylineInline(admin.TabularInline):
    model = Byline
    extra = 1


class ContributorInline(admin.TabularInline):
    model = Contributor
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["headline", "headline_suffix", "state", "timezone", "last_updated_at"]
    list_filter = ["state", "tags"]
    search_fields = ["headline", "slug", "dek"]
    prepopulated_fields = {"slug": ["headline"]}
    filter_horizontal = ["tags"]
    readonly_fields = ["sequence", "last_number", "created_at"]
    inlines = [BylineInline, ContributorInline]


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    readonly_fields = ["revision", "body", "edited_by", "edited_at"]
    can_delete = False


@admin.register(Update)
class UpdateAdmin(admin.ModelAdmin):
    list_display = ["story", "number", "state", "timestamp", "author", "key_event", "pinned"]
    list_filter = ["state", "key_event", "pinned", "status_label"]
    search_fields = ["body", "story__headline"]
    readonly_fields = ["number", "revision", "published_at", "edited_at", "retracted_at"]
    raw_id_fields = ["story", "author", "retracted_by"]
    inlines = [RevisionInline]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["update", "revision", "edited_by", "edited_at", "is_correction"]
    list_filter = ["is_correction"]
    raw_id_fields = ["update", "edited_by"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ["story", "sequence", "kind", "update", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["story", "update"]


@admin.register(CorrectionSuggestion)
class CorrectionSuggestionAdmin(admin.ModelAdmin):
    list_display = ["story", "created_at", "email", "resolved_at"]
    raw_id_fields = ["story", "resolved_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["hint", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["hint", "key_hash", "created_at", "last_used_at"]
    raw_id_fields = ["user"]
