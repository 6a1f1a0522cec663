from django.urls import path

from incidents.views import corrections, reader

app_name = "reader"

urlpatterns = [
    path("", reader.front, name="front"),
    path("stories/<slug:slug>/", reader.story, name="story"),
    path("stories/<slug:slug>/suggest-correction/", corrections.suggest, name="suggest_correction"),
]
