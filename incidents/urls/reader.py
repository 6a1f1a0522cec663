from django.urls import path

from incidents.views import corrections, embed, finding, push, reader, subscriptions

app_name = "reader"

urlpatterns = [
    path("", reader.front, name="front"),
    path("stories/<slug:slug>/", reader.story, name="story"),
    path("stories/<slug:slug>/embed/", embed.embed, name="embed"),
    path("stories/<slug:slug>/updates/<int:number>/", reader.update_permalink, name="update"),
    path("stories/<slug:slug>/suggest-correction/", corrections.suggest, name="suggest_correction"),
    path("stories/<slug:slug>/subscribe/", subscriptions.subscribe, name="subscribe"),
    path("stories/<slug:slug>/push/subscribe", push.subscribe, name="push_subscribe"),
    path("stories/<slug:slug>/push/unsubscribe", push.unsubscribe, name="push_unsubscribe"),
    path("push/worker.js", push.service_worker, name="push_worker"),
    path("push/renew/", push.renew, name="push_renew"),
    path("tags/<slug:slug>/", finding.tag, name="tag"),
    path("search/", finding.search, name="search"),
]
