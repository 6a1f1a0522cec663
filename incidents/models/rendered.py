"""Markdown fields with a stored HTML twin, rendered once when the text changes.

Rendering is the slow part of a write, so the model methods render before they take the story's
row lock and hand the result over (`set_rendered`); `save()` renders only a source that changed
since it was last rendered or loaded, so saving a pin or a retraction never renders at all.
"""

from django.db import models

from incidents.rendering import render_markdown


class RendersMarkdown(models.Model):
    # Each Markdown source field and the field that stores its sanitized HTML.
    markdown_fields: dict[str, str] = {}

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        for source, html in self.markdown_fields.items():
            text = getattr(self, source)
            if self._rendered_sources().get(source) != text:
                self.set_rendered(source, text, render_markdown(text))
            if update_fields is not None and source in update_fields:
                kwargs["update_fields"] = {*kwargs["update_fields"], html}
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values, *, fetch_mode=None):
        instance = super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        instance._rendered = {
            source: instance.__dict__[source]
            for source in cls.markdown_fields
            if source in instance.__dict__
        }
        return instance

    def _rendered_sources(self) -> dict:
        if not hasattr(self, "_rendered"):
            self._rendered = {}
        return self._rendered

    def set_rendered(self, source: str, text: str, html: str) -> None:
        """Take `text` for `source` with its HTML, rendered beforehand (outside any lock)."""
        setattr(self, source, text)
        setattr(self, self.markdown_fields[source], html)
        self._rendered_sources()[source] = text

    def render(self) -> None:
        """Render every Markdown field now, so that save() has nothing left to render."""
        for source in self.markdown_fields:
            text = getattr(self, source)
            self.set_rendered(source, text, render_markdown(text))
