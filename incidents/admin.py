from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from incidents.models import (
    ApiToken,
    Byline,
    Change,
    Contributor,
    CorrectionSuggestion,
    Picture,
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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.credits_changed()  # the bylines and tags may have changed here
        if change and form.instance.is_public:
            # Admin saves bypass the desk's methods; logged so open pages and caches follow.
            form.instance.log_outside_edit(by=request.user)


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
    # The text and the state change on the desk or through the API, where every edit keeps a
    # revision and a retraction keeps its notice; here only the flags and the time.
    readonly_fields = [
        "body", "state", "number", "revision", "published_at", "edited_at", "retracted_at",
    ]  # fmt: skip
    raw_id_fields = ["story", "author", "retracted_by"]
    inlines = [RevisionInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and not obj.is_draft:
            obj.story.log_outside_edit(obj, by=request.user)


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
    list_display = ["story", "sequence", "kind", "update", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["story", "update", "actor"]


@admin.register(CorrectionSuggestion)
class CorrectionSuggestionAdmin(admin.ModelAdmin):
    list_display = ["story", "created_at", "email", "resolved_at"]
    raw_id_fields = ["story", "resolved_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["hint", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["hint", "key_hash", "created_at", "last_used_at"]
    raw_id_fields = ["user"]


@admin.register(Picture)
class PictureAdmin(admin.ModelAdmin):
    """Pictures change through the desk and the API (each change a revision); here an editor
    can only look, and purge one on a legal takedown."""

    list_display = ["pk", "story", "update", "alt", "uploaded_by", "uploaded_at", "purged_at"]
    list_filter = ["purged_at"]
    readonly_fields = [f.name for f in Picture._meta.fields]
    actions = ["purge"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Purge (legal takedown): delete every file, remove from pages")
    def purge(self, request, queryset):
        try:
            for picture in queryset.select_related("story"):
                picture.purge(by=request.user)
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        self.message_user(request, f"Purged {queryset.count()} picture(s).", messages.SUCCESS)
