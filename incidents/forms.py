"""Forms that validate what people type before a model method is called."""

from django import forms

from incidents.models import CorrectionSuggestion


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
