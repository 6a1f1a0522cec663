"""Tags: the topics under a story's "More:" list, each with a page of its stories."""

from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils.text import slugify


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        renamed = not self._state.adding
        super().save(*args, **kwargs)
        if renamed:  # in the admin: its stories' pages stop using their cached copy of it
            self.stories.update(credits_version=F("credits_version") + 1)

    def get_absolute_url(self):
        return reverse("reader:tag", kwargs={"slug": self.slug})

    @classmethod
    def from_names(cls, names) -> list["Tag"]:
        limit = cls._meta.get_field("name").max_length
        tags = []
        for raw in names:
            name = " ".join(raw.split())[:limit]
            if not name:
                continue
            slug = slugify(name)[:limit] or "tag"
            tag, _ = cls.objects.get_or_create(slug=slug, defaults={"name": name})
            if tag not in tags:
                tags.append(tag)
        return tags
