"""Forms that validate what people type before a model method is called."""

from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from incidents import timefmt
from incidents.models import (
    EDITORS_GROUP,
    Contributor,
    CorrectionSuggestion,
    Story,
    Tag,
    Update,
    validate_update_body,
)


class SuggestionForm(forms.ModelForm):
    # A field people never see; bots fill it in. Named to be tempting.
    website = forms.CharField(required=False, label="Leave this empty")

    class Meta:
        model = CorrectionSuggestion
        fields = ["message", "email"]
        labels = {"message": "What should we correct?", "email": "Your email (optional)"}
        help_texts = {"email": "Only if you would like a reply."}
        widgets = {"message": forms.Textarea(attrs={"rows": 5, "maxlength": 2000})}

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if len(message) < 5:
            raise forms.ValidationError("Tell us a little more: what is wrong, and where?")
        return message

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class StoryForm(forms.ModelForm):
    """Create or change a story. Tags are typed as a comma-separated list."""

    tags_text = forms.CharField(
        label="Tags",
        required=False,
        help_text="Separated by commas, e.g. Outages, Cloud, Payments",
        max_length=600,
    )

    class Meta:
        model = Story
        fields = ["headline", "slug", "dek", "intro", "timezone", "headline_suffix"]
        help_texts = {
            "slug": "The story's address: letters, numbers, hyphens. Proposed from the headline.",
            "timezone": "IANA name; times are shown in it, e.g. America/New_York shows as ET.",
        }
        widgets = {"intro": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        if self.instance.pk:
            self.fields["tags_text"].initial = ", ".join(t.name for t in self.instance.tags.all())

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or slugify(self.data.get("headline", ""))[:200]
        if not slug:
            raise forms.ValidationError("Give the story a slug (letters, numbers, hyphens).")
        if Story.objects.exclude(pk=self.instance.pk).filter(slug=slug).exists():
            raise forms.ValidationError("Another story already uses this slug.")
        return slug

    def tag_names(self) -> list[str]:
        return [name for name in self.cleaned_data.get("tags_text", "").split(",") if name.strip()]

    def save(self, commit=True):
        story = super().save(commit=commit)
        if commit:
            story.tags.set(Tag.from_names(self.tag_names()))
        return story


class UpdateForm(forms.Form):
    """The compose box: what a journalist types for a new update or an edit."""

    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), strip=False, required=False)
    timestamp = forms.DateTimeField(
        required=False,
        help_text="Leave empty for now; set it to backdate the update.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    status_label = forms.ChoiceField(
        choices=[("", "No status")] + list(Update.Status.choices), required=False
    )
    key_event = forms.BooleanField(required=False)
    pinned = forms.BooleanField(required=False)

    def __init__(self, *args, story: Story, **kwargs):
        self.story = story
        super().__init__(*args, **kwargs)

    def clean_body(self):
        body = self.cleaned_data.get("body", "")
        try:
            validate_update_body(body)
        except forms.ValidationError as error:
            raise forms.ValidationError(error.message_dict["body"]) from None
        return body

    def clean_timestamp(self):
        """A typed time means the story's local time, not the server's."""
        value = self.cleaned_data.get("timestamp")
        if value is None:
            return None
        naive = value.replace(tzinfo=None)
        return naive.replace(tzinfo=timefmt.zone(self.story.timezone))


# --- the desk -------------------------------------------------------------------------------


def newsroom_people():
    """Signed-in staff who can be put on a story. Editors see every story anyway."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_superuser=False)
        .exclude(groups__name=EDITORS_GROUP)
        .order_by("first_name", "last_name", "username")
    )


class PersonLabelMixin:
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class PersonChoiceField(PersonLabelMixin, forms.ModelChoiceField):
    pass


class PeopleChoiceField(PersonLabelMixin, forms.ModelMultipleChoiceField):
    pass


class BylinesField(forms.CharField):
    """Bylines typed one person per line as "Name, Title"; cleans to [{"name", "title"}]."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Bylines")
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        kwargs.setdefault("help_text", "One person per line: Name, Title")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            lines = (f"{p['name']}, {p['title']}" if p["title"] else p["name"] for p in value)
            return "\n".join(lines)
        return value

    def clean(self, value):
        people = []
        for number, line in enumerate(super().clean(value).splitlines(), start=1):
            if not line.strip():
                continue
            name, _, title = (part.strip() for part in line.partition(","))
            if not name:
                raise forms.ValidationError(f"Line {number} needs a name before the comma.")
            if len(name) > 120 or len(title) > 160:
                raise forms.ValidationError(
                    f"Line {number} is too long: names up to 120 characters, titles up to 160."
                )
            people.append({"name": name, "title": title})
        return people


class NewStoryForm(StoryForm):
    """The dashboard's create form: the story, who works on it and whose names go on it."""

    contributors = PeopleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Reporters who may write on this story. Allow publishing on the story desk.",
    )
    bylines_text = BylinesField()
    go_live = forms.BooleanField(
        label="Go live now",
        required=False,
        initial=True,
        help_text="Untick to prepare the story as a draft that readers cannot see yet.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contributors"].queryset = newsroom_people()
        self.fields["slug"].widget.attrs["data-slug-from"] = "headline"
        self.fields["timezone"].widget.attrs["list"] = "timezones"

    def save(self, commit=True, *, by=None):
        """Create the story with its tags, bylines and contributors in one go."""
        with transaction.atomic():
            self.instance.created_by = by if by and by.is_authenticated else None
            story = super().save(commit=True)
            Contributor.objects.bulk_create(
                Contributor(story=story, user=user) for user in self.cleaned_data["contributors"]
            )
            if self.cleaned_data["bylines_text"]:
                story.set_bylines(self.cleaned_data["bylines_text"], by=by)
        return story


class ComposeForm(UpdateForm):
    """A new update. The key makes a double-clicked Publish publish once."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class EditUpdateForm(UpdateForm):
    """An edit of an existing update, carrying the revision it started from."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    is_correction = forms.BooleanField(
        label="This is a correction",
        required=False,
        help_text="Listed with your note at the foot of the article. "
        "Leave unticked for a silent fix of a typo.",
    )
    correction_note = forms.CharField(
        label="Correction note for readers",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, update: Update, **kwargs):
        self.update = update
        data = args[0] if args else kwargs.get("data")
        if data is None:
            local = update.timestamp.astimezone(timefmt.zone(update.story.timezone))
            kwargs.setdefault(
                "initial",
                {
                    "body": update.body,
                    "timestamp": local.replace(tzinfo=None, second=0, microsecond=0),
                    "status_label": update.status_label,
                    "key_event": update.key_event,
                    "revision": update.revision,
                },
            )
        super().__init__(*args, story=update.story, **kwargs)
        del self.fields["pinned"]
        self.fields["timestamp"].help_text = "Change it to move the update on the timeline."
        if update.is_draft:
            # Readers never saw a draft, so there is nothing to correct in public.
            del self.fields["is_correction"]
            del self.fields["correction_note"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_correction") and not cleaned.get("correction_note", "").strip():
            self.add_error("correction_note", "A correction needs a note for readers.")
        return cleaned

    def changed_fields(self) -> dict:
        """What update.edit() should change besides the text."""
        data = self.cleaned_data
        fields = {"status_label": data["status_label"], "key_event": data["key_event"]}
        timestamp = data.get("timestamp")
        if timestamp is not None:
            # The field shows minutes only: an untouched time must not lose its seconds.
            local = self.update.timestamp.astimezone(timefmt.zone(self.story.timezone))
            if timestamp != local.replace(second=0, microsecond=0):
                fields["timestamp"] = timestamp
        return fields


class RetractForm(forms.Form):
    reason = forms.CharField(
        label="Why is it retracted?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Readers see this in place of the update.",
        error_messages={"required": "Say why the update is retracted; readers see it."},
    )


class StoryDetailsForm(forms.Form):
    """What readers see at the top of the story. A form may send only some of the fields
    (the headline suffix alone, say); only those are changed."""

    headline = forms.CharField(max_length=200)
    headline_suffix = forms.CharField(
        label="Headline suffix",
        max_length=100,
        required=False,
        help_text="Shown in brackets after the headline, e.g. UPDATE: Service restored",
    )
    dek = forms.CharField(label="Standfirst", max_length=300, required=False)
    intro = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="Markdown."
    )
    tags_text = forms.CharField(
        label="Tags", required=False, max_length=600, help_text="Separated by commas"
    )
    bylines_text = BylinesField()

    def __init__(self, data=None, *, story: Story, **kwargs):
        initial = {name: getattr(story, name) for name in ("headline", "headline_suffix", "dek")}
        initial["intro"] = story.intro
        initial["tags_text"] = ", ".join(tag.name for tag in story.tags.all())
        initial["bylines_text"] = [{"name": b.name, "title": b.title} for b in story.bylines.all()]
        super().__init__(data, initial=initial, **kwargs)
        if data is not None:
            for name in list(self.fields):
                if name not in data:
                    del self.fields[name]


class ContributorForm(forms.Form):
    user = PersonChoiceField(
        label="Add a reporter",
        queryset=get_user_model().objects.none(),
        empty_label="Choose a person…",
    )
    can_publish = forms.BooleanField(label="May publish", required=False)

    def __init__(self, *args, story: Story, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = newsroom_people().exclude(contributions__story=story)
