"""Forms that validate what people type before a model method is called."""

from django import forms
from django.utils.text import slugify

from incidents import timefmt
from incidents.models import CorrectionSuggestion, Story, Tag, Update, validate_update_body


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
            "slug": "The story's address: letters, numbers and hyphens. Proposed from the headline.",
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
