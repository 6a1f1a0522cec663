"""Forms that validate what people type, and what the API sends, before a model method is called.

The desk and the API validate through these same forms, and every limit and choice here is read
from the model field it guards (its max_length, choices and validators), so the desk, the API and
the API's document cannot drift apart.
"""

from copy import copy

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.utils.text import slugify

from incidents import timefmt
from incidents.formfields import (
    BylinesField,
    PeopleChoiceField,
    PersonChoiceField,
    StoryTimeField,
    TagsField,
    TrimmedField,
    max_length,
    model_field,
)
from incidents.models import (
    EDITORS_GROUP,
    Change,
    CorrectionSuggestion,
    Revision,
    Story,
    Update,
    Webhook,
    validate_update_body,
)

# Stripped before they are stored, but measured as sent (see TrimmedField).
TRIMMED_STORY_FIELDS = ("headline", "headline_suffix", "dek", "intro")
# Printable ASCII without spaces: the key travels in an HTTP header.
IDEMPOTENCY_KEY_PATTERN = "[!-~]*"


class SuggestionForm(forms.ModelForm):
    # A field people never see; bots fill it in. Named to be tempting.
    website = forms.CharField(required=False, label="Leave this empty")

    class Meta:
        model = CorrectionSuggestion
        fields = ["message", "email"]
        labels = {"message": "What should we correct?", "email": "Your email (optional)"}
        help_texts = {"email": "Only if you would like a reply."}
        widgets = {"message": forms.Textarea(attrs={"rows": 5})}

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if len(message) < 5:
            raise forms.ValidationError("Tell us a little more: what is wrong, and where?")
        return message

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class StoryFieldsForm(forms.ModelForm):
    """What a story says about itself, as the desk and the API both take it. The fields, their
    limits and their validators (the timezone's) come from the model."""

    tags_text = TagsField(help_text="Separated by commas, e.g. Outages, Cloud, Payments")
    bylines_text = BylinesField()

    class Meta:
        model = Story
        fields = ["headline", "headline_suffix", "dek", "intro", "timezone", "reading_order"]
        field_classes = {name: TrimmedField for name in TRIMMED_STORY_FIELDS}
        labels = {"headline_suffix": "Headline suffix", "reading_order": "Readers get updates"}
        help_texts = {
            "headline_suffix": (
                "Shown in brackets after the headline, e.g. UPDATE: Service restored"
            ),
            "timezone": "IANA name; times are shown in it, e.g. America/New_York shows as ET.",
        }
        widgets = {"intro": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].strip = False  # a name with spaces around it is not a zone


class StoryForm(StoryFieldsForm):
    """Create a story with its tags and bylines."""

    class Meta(StoryFieldsForm.Meta):
        fields = [
            "headline", "slug", "dek", "intro", "timezone", "reading_order", "headline_suffix",
        ]  # fmt: skip
        help_texts = {
            **StoryFieldsForm.Meta.help_texts,
            "slug": "The story's address: letters, numbers, hyphens. Proposed from the headline.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].strip = False
        self.fields["reading_order"].required = False  # left out: the model's default

    def clean_reading_order(self):
        return (
            self.cleaned_data.get("reading_order") or Story._meta.get_field("reading_order").default
        )

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or proposed_slug(self.data.get("headline", ""))
        if not slug:
            raise forms.ValidationError("Give the story a slug (letters, numbers, hyphens).")
        if Story.objects.exclude(pk=self.instance.pk).filter(slug=slug).exists():
            raise forms.ValidationError("Another story already uses this slug.")
        return slug

    def save(self, commit=True, *, by=None, contributors=(), state=None):
        """The story with its tags, bylines and contributors, through Story.create."""
        if not commit:
            return super().save(commit=False)
        data = self.cleaned_data
        return Story.create(
            by=by,
            tags=data["tags_text"],
            bylines=data["bylines_text"],
            contributors=contributors,
            state=state,
            **{name: data[name] for name in self._meta.fields},
        )


def proposed_slug(headline) -> str:
    """The address a headline suggests; "" for a headline with no letters slugify keeps."""
    if not isinstance(headline, str):
        return ""
    return slugify(headline)[: max_length(Story, "slug")].strip("-")


class StoryStateForm(forms.Form):
    state = model_field(Story, "state")


class UpdateForm(forms.Form):
    """The compose box: what a journalist types for a new update or an edit."""

    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), strip=False, required=False)
    timestamp = StoryTimeField(
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
        """A time without an offset means the story's local time, not the server's; whatever the
        entry point, it must fall in the range the model's field allows."""
        value = self.cleaned_data.get("timestamp")
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timefmt.zone(self.story.timezone))
        for validator in Update._meta.get_field("timestamp").validators:
            validator(value)
        return value


# --- the desk -------------------------------------------------------------------------------


def newsroom_people():
    """Signed-in staff who can be put on a story. Editors see every story anyway."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_superuser=False)
        .exclude(groups__name=EDITORS_GROUP)
        .order_by("first_name", "last_name", "username")
    )


class NewStoryForm(StoryForm):
    """The dashboard's create form: the story, who works on it and whose names go on it."""

    contributors = PeopleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Reporters who may write on this story. Allow publishing on the story desk.",
    )
    go_live = forms.BooleanField(
        label="Go live now",
        required=False,
        initial=True,
        help_text="Untick to prepare the story as a draft that readers cannot see yet.",
    )

    field_order = [*StoryForm.Meta.fields, "tags_text", "contributors", "bylines_text", "go_live"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contributors"].queryset = newsroom_people()
        self.fields["slug"].widget.attrs["data-slug-from"] = "headline"
        self.fields["timezone"].widget.attrs["list"] = "timezones"

    def save(self, commit=True, *, by=None, contributors=None, state=None):
        """Create the story with its tags, bylines and contributors in one go."""
        if contributors is None:
            contributors = self.cleaned_data["contributors"]
        if state is None and self.cleaned_data["go_live"]:
            state = Story.State.LIVE  # in the same transaction as the story itself
        return super().save(commit, by=by, contributors=contributors, state=state)


class ComposeForm(UpdateForm):
    """A new update. The key makes a double-clicked Publish publish once."""

    idempotency_key = forms.CharField(
        widget=forms.HiddenInput,
        required=False,
        strip=False,
        max_length=max_length(Update, "idempotency_key"),
        validators=[
            RegexValidator(
                f"^{IDEMPOTENCY_KEY_PATTERN}$",
                "An idempotency key is printable ASCII characters without spaces.",
            )
        ],
    )


class EditUpdateForm(UpdateForm):
    """An edit of an existing update, carrying the revision it started from."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    is_correction = forms.BooleanField(
        label="This is a correction",
        required=False,
        help_text="Listed with your note at the foot of the article. "
        "Leave unticked for a silent fix of a typo.",
    )
    correction_note = model_field(
        Revision,
        "correction_note",
        form_class=TrimmedField,
        label="Correction note for readers",
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
        if cleaned.get("is_correction") and not cleaned.get("correction_note", ""):
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
    reason = model_field(
        Update,
        "retraction_reason",
        form_class=TrimmedField,
        required=True,
        label="Why is it retracted?",
        # The form opens where the editor pressed "Retract…": the reason box takes the focus.
        widget=forms.Textarea(attrs={"rows": 2, "autofocus": True}),
        help_text="Readers see this in place of the update.",
        error_messages={"required": "Say why the update is retracted; readers see it."},
    )


class StoryDetailsForm(StoryFieldsForm):
    """What readers see at the top of the story. A form may send only some of the fields
    (the headline suffix alone, say); only those are changed."""

    def __init__(self, data=None, *, story: Story, **kwargs):
        initial = {
            "tags_text": [tag.name for tag in story.tags.all()],
            "bylines_text": [{"name": b.name, "title": b.title} for b in story.bylines.all()],
        }
        # A copy: validation writes the values into the instance, and the page that shows the
        # errors must still show the story as it is.
        super().__init__(data, instance=copy(story), initial=initial, **kwargs)
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


class WebhookForm(forms.Form):
    """A new webhook, on the desk's webhooks page; the model checks the address it may call."""

    url = model_field(Webhook, "url", label="Receiver address", assume_scheme="https")
    story = forms.ModelChoiceField(
        queryset=Story.objects.order_by("-last_updated_at"),
        required=False,
        empty_label="Every story on the site",
        to_field_name="slug",
    )
    events = forms.MultipleChoiceField(
        label="Send when",
        choices=[(kind, Change.Kind(kind).label) for kind in Webhook.EVENTS],
        widget=forms.CheckboxSelectMultiple,
        initial=[Change.Kind.PUBLISHED],
        error_messages={"required": "Choose at least one kind of change to send."},
    )
    format = model_field(Webhook, "format", widget=forms.RadioSelect)
