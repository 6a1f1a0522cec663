"""The form a reader fills in to follow a story by email (the article's and the subscribe page's);
the address is checked by the model, the choices come from it."""

from django import forms

from incidents.formfields import model_field
from incidents.models import EmailSubscriber


class SubscribeForm(forms.Form):
    """A reader's request to follow a story by email; the address is checked by the model."""

    # Its length and form are checked by the model (EmailSubscriber.check_address).
    email = forms.CharField(
        label="Your email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": "Enter your email address."},
    )
    scope = model_field(
        EmailSubscriber, "scope", label="Send me", widget=forms.RadioSelect, initial="all"
    )
    # A field people never see; bots fill it in (as on SuggestionForm).
    website = forms.CharField(required=False, label="Leave this empty")

    def clean_email(self):
        return EmailSubscriber.check_address(self.cleaned_data["email"])

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))
